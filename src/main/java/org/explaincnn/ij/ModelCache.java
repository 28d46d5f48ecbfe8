package org.explaincnn.ij;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import org.explaincnn.core.ExplainOptions.CancelledException;
import org.explaincnn.core.ExplainableModel;

/**
 * Keeps recently used models loaded, so that a macro looping over a folder loads its model once,
 * and guards their lifetime: every use of a model holds a {@link Lease} from {@link #acquire}, and
 * a model is closed (its native memory freed) only when it is no longer cached and its last lease
 * has been returned. Evicting the least recently used model, or replacing one whose bundle changed
 * on disk, only retires it; a TensorFlow run on it in another thread finishes first.
 *
 * <p>At exit (Ctrl-C, SIGTERM, System.exit) the shutdown hook runs {@link #shutdown}: running
 * explanations see {@link #shuttingDown()} and stop at their next batch, the hook waits a bounded
 * time for their leases and closes only models no longer in use (one still running is left to the
 * operating system rather than freed under its batch).
 */
public final class ModelCache {

	/** How long the shutdown hook waits for running explanations to return their models. */
	public static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

	private static final ModelCache SHARED = new ModelCache(ExplainableModel::open, 2);

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> SHARED.shutdown(SHUTDOWN_WAIT),
			"explaincnn-close"));
	}

	/** A model in use: return it (close the lease) when done; the model stays open until then. */
	public static final class Lease implements AutoCloseable {

		private final Entry entry;
		private boolean returned;

		private Lease(Entry entry) {
			this.entry = entry;
		}

		/** The leased model; valid until this lease is closed. */
		public ExplainableModel model() {
			synchronized (entry.cache) {
				if (returned) throw new IllegalStateException("model lease already returned");
			}
			return entry.model;
		}

		@Override
		public void close() {
			entry.cache.release(this);
		}
	}

	private static final class Entry {

		final ModelCache cache;
		final ExplainableModel model;
		final String stamp;
		int leases;
		boolean retired;

		Entry(ModelCache cache, ExplainableModel model, String stamp) {
			this.cache = cache;
			this.model = model;
			this.stamp = stamp;
		}
	}

	private final Function<Path, ExplainableModel> opener;
	private final int capacity;
	private final Map<Path, Entry> cached = new LinkedHashMap<>(4, 0.75f, true);
	/** Retired entries whose leases are still out: closed when the last one is returned. */
	private final List<Entry> retired = new ArrayList<>();
	private volatile boolean shuttingDown;

	/** A cache of {@code capacity} models opened by {@code opener} (tests give a fake one). */
	ModelCache(Function<Path, ExplainableModel> opener, int capacity) {
		this.opener = opener;
		this.capacity = capacity;
	}

	/** The process-wide cache the front ends share. */
	public static ModelCache shared() {
		return SHARED;
	}

	/** A lease on the model in {@code folder} from the process-wide cache. */
	public static Lease acquire(Path folder) {
		return SHARED.lease(folder);
	}

	/** True once the process is exiting: running explanations cancel at their next batch. */
	public static boolean shuttingDown() {
		return SHARED.isShuttingDown();
	}

	public boolean isShuttingDown() {
		return shuttingDown;
	}

	/**
	 * A lease on the model in {@code folder}, loaded if it is not cached or if its bundle changed on
	 * disk since it was loaded (files' paths, sizes and modification times).
	 */
	public Lease lease(Path folder) {
		Path key = folder.toAbsolutePath().normalize();
		List<Entry> toClose = new ArrayList<>();
		try {
			synchronized (this) {
				if (shuttingDown) throw new CancelledException();
				String stamp = stamp(key);
				Entry e = cached.get(key);
				if (e != null && !e.stamp.equals(stamp)) {
					cached.remove(key);
					retire(e, toClose);
					e = null;
				}
				if (e == null) {
					// Loaded under the lock, so two threads asking for one model load it once.
					e = new Entry(this, opener.apply(key), stamp);
					cached.put(key, e);
					for (Iterator<Entry> it = cached.values().iterator(); cached.size() > capacity;) {
						Entry eldest = it.next();
						it.remove();
						retire(eldest, toClose);
					}
				}
				e.leases++;
				return new Lease(e);
			}
		}
		finally {
			toClose.forEach(e -> e.model.close());
		}
	}

	/** Marks an entry retired; it is closed now if unused, else by its last lease. */
	private void retire(Entry e, List<Entry> toClose) {
		e.retired = true;
		if (e.leases == 0) toClose.add(e);
		else retired.add(e);
	}

	private void release(Lease lease) {
		Entry e = lease.entry;
		synchronized (this) {
			if (lease.returned) return;
			lease.returned = true;
			e.leases--;
			if (e.leases > 0 || !e.retired) return;
			retired.remove(e);
			notifyAll();
		}
		e.model.close();
	}

	/**
	 * What the shutdown hook does: running explanations are told to stop (at their next batch), every
	 * unused model is closed now, and the models still in use are closed as their leases come back,
	 * waiting at most {@code wait}. Returns the number of models still in use after the wait (left
	 * open: freeing a session under a running batch would crash the process).
	 */
	public int shutdown(Duration wait) {
		List<Entry> toClose = new ArrayList<>();
		synchronized (this) {
			shuttingDown = true;
			for (Entry e : cached.values())
				retire(e, toClose);
			cached.clear();
		}
		toClose.forEach(e -> e.model.close());
		long deadline = System.nanoTime() + wait.toNanos();
		synchronized (this) {
			try {
				for (long left; !retired.isEmpty() && (left = deadline - System.nanoTime()) > 0;)
					wait(Math.max(1, left / 1_000_000));
			}
			catch (InterruptedException x) {
				Thread.currentThread().interrupt();
			}
			return retired.size();
		}
	}

	/** Models loaded (cached), for tests. */
	synchronized int cachedCount() {
		return cached.size();
	}

	/**
	 * The files of a bundle folder (and of a SavedModel's variables/) with their sizes and
	 * modification times: any change to the model, descriptor or labels changes it.
	 */
	static String stamp(Path key) {
		Path folder = Files.isDirectory(key) ? key : key.getParent();
		Map<String, String> files = new TreeMap<>();
		addFiles(folder, files);
		addFiles(folder.resolve("variables"), files);
		return files.toString();
	}

	private static void addFiles(Path dir, Map<String, String> files) {
		if (dir == null || !Files.isDirectory(dir)) return;
		try (Stream<Path> list = Files.list(dir)) {
			list.forEach(p -> {
				try {
					BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
					if (a.isRegularFile()) files.put(p.toString(), a.size() + "@" + a.lastModifiedTime()
						.toMillis());
				}
				catch (IOException x) {
					files.put(p.toString(), "unreadable");
				}
			});
		}
		catch (IOException x) {
			files.put(dir.toString(), "unlistable");
		}
	}
}
