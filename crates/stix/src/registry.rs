//! Marking registry. Under construction in this working tree.
