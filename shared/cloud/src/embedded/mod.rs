//! Embedded local adapters (to be filled).
