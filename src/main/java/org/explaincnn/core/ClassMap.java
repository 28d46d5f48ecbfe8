package org.explaincnn.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** One method's map for one class at model resolution, with method-specific findings. */
public final class ClassMap {

	/** modelHeight x modelWidth values. */
	public final float[] map;
	/** E.g. the integrated-gradients completeness gap; written to logs and JSON. */
	public final Map<String, Object> details = new LinkedHashMap<>();

	public ClassMap(float[] map) {
		this.map = map;
	}

	public ClassMap detail(String key, Object value) {
		details.put(key, value);
		return this;
	}
}
