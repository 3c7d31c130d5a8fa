//! SQLite backend. Under construction in this working tree.
