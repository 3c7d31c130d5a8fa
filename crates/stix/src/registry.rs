//! Marking registry: the well-known marking-definitions (TLP 1.0, TLP 2.0, PAP, the
//! project's own) with their fixed ids. Under construction in this working tree.

use crate::validate::RuleCtx;

/// For a marking-definition: when its id is a well-known one, its content must be the
/// well-known content. Called by the marking-definition rule.
pub fn check_well_known(_c: &mut RuleCtx<'_, '_>) {}
