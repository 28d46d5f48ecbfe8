package org.explaincnn.ij;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.explaincnn.core.ExplainableModel;

/**
 * Keeps recently used models loaded, so that a macro looping over a folder loads its model once.
 * At most a few models stay open; the least recently used is closed (freeing its native memory).
 */
public final class ModelCache {

	private static final int CAPACITY = 2;
	private static final Map<Path, ExplainableModel> OPEN = new LinkedHashMap<>(4, 0.75f, true);

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(ModelCache::closeAll, "explaincnn-close"));
	}

	private ModelCache() {}

	public static synchronized ExplainableModel get(Path folder) {
		Path key = folder.toAbsolutePath().normalize();
		ExplainableModel m = OPEN.get(key);
		if (m != null) return m;
		m = ExplainableModel.open(key);
		OPEN.put(key, m);
		while (OPEN.size() > CAPACITY) {
			Path eldest = OPEN.keySet().iterator().next();
			OPEN.remove(eldest).close();
		}
		return m;
	}

	public static synchronized void closeAll() {
		OPEN.values().forEach(ExplainableModel::close);
		OPEN.clear();
	}
}
