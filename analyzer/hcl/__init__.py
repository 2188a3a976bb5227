"""HCL parsing into a typed, line-carrying syntax tree."""
