package org.explaincnn.fiji;

import org.explaincnn.core.Param;
import org.explaincnn.ij.CommonParams;
import org.scijava.module.DefaultMutableModuleItem;
import org.scijava.module.ModuleInfo;
import org.scijava.module.MutableModuleItem;

/**
 * SciJava module inputs made from {@link Param} declarations: type, default, bounds, choices,
 * label and description come from the declaration, so a command's dialog and its macro keys are
 * those of every other front end.
 */
final class ParamItems {

	private ParamItems() {}

	/**
	 * One input for a declared parameter. None is persisted by SciJava, which saves a value before the
	 * command runs, a bad one included; the commands remember the model, LUT and threshold of a run
	 * that succeeded, under keys shared by all of them (see {@link ExplainCommand}).
	 */
	static MutableModuleItem<?> input(ModuleInfo info, Param<?> p) {
		MutableModuleItem<?> item;
		switch (p.kind) {
			case INTEGER: {
				DefaultMutableModuleItem<Integer> i = new DefaultMutableModuleItem<>(info, p.key,
					Integer.class);
				i.setDefaultValue((Integer) p.defaultValue);
				i.setMinimumValue((int) p.min);
				i.setMaximumValue((int) p.max);
				item = i;
				break;
			}
			case NUMBER: {
				DefaultMutableModuleItem<Double> d = new DefaultMutableModuleItem<>(info, p.key,
					Double.class);
				d.setDefaultValue((Double) p.defaultValue);
				d.setMinimumValue(p.min);
				d.setMaximumValue(p.max);
				d.setStepSize(p.max - p.min <= 1 ? 0.05 : 1);
				item = d;
				break;
			}
			case BOOLEAN: {
				DefaultMutableModuleItem<Boolean> b = new DefaultMutableModuleItem<>(info, p.key,
					Boolean.class);
				b.setDefaultValue((Boolean) p.defaultValue);
				item = b;
				break;
			}
			default: {
				DefaultMutableModuleItem<String> s = new DefaultMutableModuleItem<>(info, p.key,
					String.class);
				s.setDefaultValue(p.defaultText());
				if (p.kind == Param.Kind.CHOICE) s.setChoices(p.choices);
				item = s;
			}
		}
		item.setLabel(p.label);
		item.setDescription(CommonParams.describe(p));
		// Every declared parameter has a default; an empty text is a valid value (e.g. "no layers").
		item.setRequired(false);
		item.setPersisted(false);
		return item;
	}
}
