/* Empty on purpose: see meson.build next to this file. */
