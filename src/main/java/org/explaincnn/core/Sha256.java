package org.explaincnn.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files and bytes, as hex: cache keys, cache completeness records, the manifest. */
public final class Sha256 {

	private Sha256() {}

	public static MessageDigest digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java has SHA-256", e);
		}
	}

	/** Feeds a file's bytes to the digest, streamed. */
	public static void add(MessageDigest md, Path file) throws IOException {
		byte[] buffer = new byte[1 << 16];
		try (InputStream in = Files.newInputStream(file)) {
			for (int n; (n = in.read(buffer)) > 0;)
				md.update(buffer, 0, n);
		}
	}

	public static String hex(MessageDigest md) {
		return HexFormat.of().formatHex(md.digest());
	}

	/** A file's SHA-256. */
	public static String of(Path file) throws IOException {
		MessageDigest md = digest();
		add(md, file);
		return hex(md);
	}

	/** The SHA-256 of the parts one after another. */
	public static String of(byte[]... parts) {
		MessageDigest md = digest();
		for (byte[] p : parts)
			md.update(p);
		return hex(md);
	}
}
