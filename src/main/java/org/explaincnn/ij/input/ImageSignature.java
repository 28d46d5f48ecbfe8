package org.explaincnn.ij.input;

import ij.io.FileInfo;
import ij.io.TiffDecoder;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * What a file's first bytes say it is, to tell a damaged image ("truncated PNG") from a file that
 * is no image at all; and whether a TIFF holds what its header declares.
 */
final class ImageSignature {

	private ImageSignature() {}

	/** PNG, JPEG, TIFF, GIF or BMP by the file's signature; null for anything else. */
	static String of(Path file) {
		byte[] b = new byte[8];
		int n;
		try (InputStream in = Files.newInputStream(file)) {
			n = in.readNBytes(b, 0, b.length);
		}
		catch (IOException e) {
			return null;
		}
		if (n >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "PNG";
		if (n >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff)
			return "JPEG";
		if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) || (b[0] == 'M' &&
			b[1] == 'M' && b[2] == 0 && b[3] == 42))) return "TIFF";
		if (n >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') return "GIF";
		if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "BMP";
		return null;
	}

	/**
	 * Why a JPEG is short, or null: ImageJ decodes a cut JPEG without a word (the missing rows
	 * grey), so a file whose last 4 KB hold no end-of-image marker (FF D9) is called truncated.
	 * (Data appended after the image, as some cameras do, ends with its own marker.)
	 */
	static String jpegShortfall(Path file, long size) {
		int n = (int) Math.min(size, 4096);
		byte[] tail = new byte[n];
		try (SeekableByteChannel ch = Files.newByteChannel(file)) {
			ch.position(size - n);
			ByteBuffer buf = ByteBuffer.wrap(tail);
			while (buf.hasRemaining() && ch.read(buf) > 0) {
				// read the tail
			}
		}
		catch (IOException e) {
			return null;
		}
		for (int i = n - 2; i >= 0; i--)
			if ((tail[i] & 0xff) == 0xff && (tail[i + 1] & 0xff) == 0xd9) return null;
		return "no end-of-image marker: the file ends early";
	}

	/**
	 * Why a TIFF read as {@code planesRead} planes is short of its header, or null if it is not:
	 * fewer planes than the header declares (ImageJ opens what it can of a cut stack), or an
	 * uncompressed file that ends before its last plane's bytes.
	 */
	static String tiffShortfall(Path file, long size, int planesRead) {
		FileInfo[] info;
		try {
			Path dir = file.toAbsolutePath().getParent();
			info = new TiffDecoder(dir.toString() + "/", file.getFileName().toString()).getTiffInfo();
		}
		catch (IOException | RuntimeException e) {
			return "its header cannot be read: " + e.getMessage();
		}
		if (info == null || info.length == 0) return "no image in its header";
		FileInfo first = info[0];
		int declared = info.length > 1 ? info.length : Math.max(1, first.nImages);
		if (planesRead < declared) return "the header declares " + declared + " planes, " +
			planesRead + " could be read";
		FileInfo last = info[info.length - 1];
		if (last.compression <= FileInfo.COMPRESSION_NONE) {
			long planeBytes = (long) last.width * last.height * last.getBytesPerPixel();
			long planesInLast = info.length > 1 ? 1 : declared;
			long end = last.getOffset() + planeBytes * planesInLast + (planesInLast - 1) * Math.max(0,
				last.getGap());
			if (size < end) return "the file has " + size + " bytes, its " + declared +
				" plane(s) of " + last.width + "x" + last.height + " need " + end;
		}
		return null;
	}

	/**
	 * Width, height and channels from the file's header alone (no pixels decoded), or null when
	 * the header cannot tell: lets a huge image be refused before it is read.
	 */
	static int[] dimensions(Path file, String format) {
		if (format == null) return null;
		if (format.equals("TIFF")) {
			try {
				Path name = file.getFileName();
				Path dir = file.toAbsolutePath().getParent();
				FileInfo[] info = new TiffDecoder(dir + File.separator, name.toString()).getTiffInfo();
				if (info == null || info.length == 0) return null;
				FileInfo fi = info[0];
				int channels = fi.fileType == FileInfo.RGB || fi.fileType == FileInfo.RGB48 ||
					fi.fileType == FileInfo.RGB_PLANAR ? 3 : Math.max(1, fi.samplesPerPixel);
				return new int[] { fi.width, fi.height, channels };
			}
			catch (IOException | RuntimeException e) {
				return null;
			}
		}
		try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
			Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
			if (!readers.hasNext()) return null;
			ImageReader reader = readers.next();
			try {
				reader.setInput(in, true, true);
				return new int[] { reader.getWidth(0), reader.getHeight(0), 3 };
			}
			finally {
				reader.dispose();
			}
		}
		catch (IOException | RuntimeException e) {
			return null;
		}
	}
}
