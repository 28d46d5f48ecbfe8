package org.explaincnn.ij;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.explaincnn.TestData;
import org.explaincnn.core.AttributionMethod;
import org.explaincnn.core.Param;
import org.explaincnn.methods.Methods;
import org.junit.jupiter.api.Test;

/** The README's methods table agrees with the registry: ids, titles, parameter keys, defaults. */
class ReadmeMethodsTableTest {

	static final Pattern KEY_DEFAULT = Pattern.compile("`([a-z][a-z-]*)=([^`]*)`");

	@Test
	void tableAgreesWithTheRegistry() throws Exception {
		String readme = Files.readString(TestData.repo().resolve("README.md"));
		String section = readme.substring(readme.indexOf("\n## Methods"));
		section = section.substring(0, section.indexOf("\n## ", 1));
		List<String> ids = new ArrayList<>();
		Map<String, String[]> rows = new LinkedHashMap<>();
		for (String line : section.split("\n")) {
			if (!line.startsWith("| ") || line.startsWith("| method")) continue;
			String[] cells = line.split("\\|", -1);
			assertEquals(7, cells.length, "a row of five cells: " + line);
			String id = cells[2].strip().replace("`", "");
			ids.add(id);
			rows.put(id, cells);
		}
		List<String> registered = new ArrayList<>();
		for (AttributionMethod m : Methods.all())
			registered.add(m.id());
		assertEquals(registered, ids, "the table lists the registered methods, in order");
		for (AttributionMethod m : Methods.all()) {
			String[] cells = rows.get(m.id());
			String title = cells[1].strip();
			assertTrue(title.equals(m.title()) || title.startsWith(m.title() + " ("), m.id() +
				": title '" + title + "' is not '" + m.title() + "'");
			Map<String, String> documented = new LinkedHashMap<>();
			Matcher k = KEY_DEFAULT.matcher(cells[4]);
			while (k.find())
				documented.put(k.group(1), k.group(2));
			Map<String, String> declared = new LinkedHashMap<>();
			for (Param<?> p : m.parameters())
				declared.put(p.key, p.defaultText());
			assertEquals(declared, documented, m.id() + ": README parameters (key=default) vs declared");
		}
	}
}
