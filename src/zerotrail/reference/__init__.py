"""Reference data shipped with the package: GWP sets, refrigerant blends and factor sets."""
