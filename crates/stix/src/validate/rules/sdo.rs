//! Rules of SDOs (section 4), SROs (section 5) and meta objects (section 7).
