//! Local secret sources: the process environment, files in a directory (Cloud Run
//! and container runtimes mount secrets so), or a fixed set for tests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_trait::async_trait;

use crate::ports::secrets::{Secret, SecretError, SecretSource};

/// Secrets from process environment variables of the same name. Empty counts as unset.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvSecrets;

#[async_trait]
impl SecretSource for EnvSecrets {
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(SecretError {
                name: name.into(),
                reason: "the environment value is not UTF-8".into(),
            }),
        }
    }
}

/// Secrets as files: `<dir>/<name>` holds the value (a trailing newline is ignored).
/// A missing file is an unset secret; an unreadable one is an error.
#[derive(Debug, Clone)]
pub struct FileSecrets {
    dir: PathBuf,
}

impl FileSecrets {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileSecrets { dir: dir.into() }
    }
}

#[async_trait]
impl SecretSource for FileSecrets {
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        let err = |reason: String| SecretError {
            name: name.into(),
            reason,
        };
        // A name is one file name: never a path out of the directory.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(err("not a plain secret name".into()));
        }
        match tokio::fs::read_to_string(self.dir.join(name)).await {
            Ok(text) => {
                let value = text.trim_end_matches(['\r', '\n']);
                Ok((!value.is_empty()).then(|| Secret::new(value)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            // The error names the file's kind of failure, never its content.
            Err(e) => Err(err(format!("unreadable: {}", e.kind()))),
        }
    }
}

/// A fixed set of secrets: tests, and replays that need a placeholder key
/// without touching the process environment.
#[derive(Debug, Clone, Default)]
pub struct StaticSecrets(BTreeMap<String, Secret>);

impl StaticSecrets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(name.into(), Secret::new(value));
        self
    }
}

#[async_trait]
impl SecretSource for StaticSecrets {
    async fn secret(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        Ok(self.0.get(name).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_secrets_read_trimmed_values_and_refuse_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("NBA_SECRET_ODDS_API_KEY"), "k-123\n").expect("write");
        let src = FileSecrets::new(dir.path());
        let key = src.secret("NBA_SECRET_ODDS_API_KEY").await.expect("read").expect("set");
        assert_eq!(key.expose(), "k-123");
        assert!(src.secret("NBA_SECRET_OTHER").await.expect("absent").is_none());
        assert!(src.secret("../etc/passwd").await.is_err());
    }
}
