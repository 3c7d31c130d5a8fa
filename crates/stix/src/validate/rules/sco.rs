//! Rules of SCOs (section 6) and their predefined extensions.
