//! Player and game identity.
//!
//! - [`player_lookup`]: the normalised key every source's names meet on.
//! - [`Resolver`]: resolves a whole file's names in one batched warehouse query
//!   against `nba_reference.player_aliases` and `nba_reference.nba_players_registry`;
//!   what cannot be resolved is recorded in `nba_reference.unresolved_player_names`,
//!   never dropped or guessed.
//! - [`aliases`]: the seed variants shipped with the code.

pub mod aliases;
pub mod lookup;
pub mod resolver;

pub use lookup::player_lookup;
pub use resolver::{FileContext, IdentityError, NameUse, PlayerSighting, Resolution, Resolver};
