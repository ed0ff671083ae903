//! Functions by name. A phase binary registers all its functions and serves the one named
//! by `FUNCTION_TARGET`, so one image can back several Cloud Run services.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::function::{CloudEventFunction, Function, HttpFunction, LegacyEventFunction};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("no function named `{name}` is registered; known functions: {}", known_list(.known))]
    Unknown { name: String, known: Vec<String> },
    #[error("a function named `{0}` is already registered")]
    Duplicate(String),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "(none)".to_string()
    } else {
        known.join(", ")
    }
}

/// Registered functions, by name.
#[derive(Clone, Default)]
pub struct FunctionRegistry {
    functions: BTreeMap<String, Function>,
}

impl FunctionRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `function` under `name`; a second function with the same name is an error.
    pub fn try_register(&mut self, name: impl Into<String>, function: Function) -> Result<&mut Self, RegistryError> {
        let name = name.into();
        if self.functions.contains_key(&name) {
            return Err(RegistryError::Duplicate(name));
        }
        self.functions.insert(name, function);
        Ok(self)
    }

    /// Registers `function` under `name`.
    ///
    /// # Panics
    /// If the name is taken: two functions cannot share a `FUNCTION_TARGET`, and this is a
    /// wiring bug found at start-up.
    pub fn register(&mut self, name: impl Into<String>, function: Function) -> &mut Self {
        let name = name.into();
        if let Err(e) = self.try_register(name, function) {
            panic!("{e}");
        }
        self
    }

    pub fn register_http(&mut self, name: impl Into<String>, function: impl HttpFunction) -> &mut Self {
        self.register(name, Function::Http(Arc::new(function)))
    }

    pub fn register_cloudevent(&mut self, name: impl Into<String>, function: impl CloudEventFunction) -> &mut Self {
        self.register(name, Function::CloudEvent(Arc::new(function)))
    }

    pub fn register_event(&mut self, name: impl Into<String>, function: impl LegacyEventFunction) -> &mut Self {
        self.register(name, Function::Event(Arc::new(function)))
    }

    /// The function named `name`, or an error listing the known names.
    pub fn get(&self, name: &str) -> Result<Function, RegistryError> {
        self.functions.get(name).cloned().ok_or_else(|| RegistryError::Unknown {
            name: name.to_string(),
            known: self.names(),
        })
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.functions.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::function::{FunctionError, Invocation, Outcome};

    struct Noop;

    #[async_trait]
    impl LegacyEventFunction for Noop {
        async fn call(
            &self,
            _inv: &Invocation,
            _data: serde_json::Value,
            _context: serde_json::Value,
        ) -> Result<Outcome, FunctionError> {
            Ok(Outcome::success())
        }
    }

    #[test]
    fn lookup_by_name_and_clear_error_listing_known_names() {
        let mut registry = FunctionRegistry::new();
        registry.register_event("b_fn", Noop).register_event("a_fn", Noop);
        assert_eq!(registry.get("a_fn").map(|f| f.signature_type()), Ok("event"));
        let err = registry.get("nope").err().expect("unknown");
        assert_eq!(
            err.to_string(),
            "no function named `nope` is registered; known functions: a_fn, b_fn"
        );
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let mut registry = FunctionRegistry::new();
        registry.register_event("f", Noop);
        assert_eq!(
            registry.try_register("f", Function::Event(Arc::new(Noop))).err(),
            Some(RegistryError::Duplicate("f".into()))
        );
    }
}
