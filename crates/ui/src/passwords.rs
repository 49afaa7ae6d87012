//! Passwords: argon2id hashes as PHC strings, and what a valid email and
//! password look like.
//!
//! Hashing and verifying are deliberately slow (argon2id with its default
//! cost: 19 MiB, 2 passes) and blocking: callers on the async runtime go
//! through [`crate::Auth`], which runs them on the blocking pool and bounds
//! how many run at once.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, Result};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_EMAIL_CHARS: usize = 254;

fn argon2id() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// Hashes `password` with a fresh random salt; returns the PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$…`). Blocking.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    match argon2id().hash_password_with_salt(password.as_bytes(), &salt) {
        Ok(hash) => Ok(hash.to_string()),
        Err(error) => {
            tracing::warn!(%error, "password hashing failed");
            Err(AppError::Internal)
        }
    }
}

/// Whether `password` matches the PHC string `stored`, compared in constant
/// time by argon2 with the parameters recorded in `stored`. Blocking.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        tracing::warn!("stored password hash is not a PHC string");
        return false;
    };
    argon2id().verify_password(password.as_bytes(), &hash).is_ok()
}

/// An email address as stored: trimmed and lowercased, or why it is not
/// one.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("is required");
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err("must be at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("must be an email address");
    };
    let plausible = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|character| character.is_whitespace() || character.is_control());
    if !plausible {
        return Err("must be an email address");
    }
    Ok(email)
}

/// Why `password` may not be a new password, if it may not.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err("must be at least 12 characters");
    }
    if length > MAX_PASSWORD_CHARS {
        return Err("must be at most 1024 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_argon2id_phc_strings_that_verify() {
        let first = hash_password("correct horse battery").unwrap();
        let second = hash_password("correct horse battery").unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &first));
        assert!(!verify_password("correct horse battery!", &first));
        assert!(!verify_password("correct horse battery", "not a phc string"));
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(normalize_email("  Ada@Example.ORG ").unwrap(), "ada@example.org");
        for bad in ["", "ada", "ada@", "@example.org", "ada@example", "a b@example.org", "a@b@example.org", "ada@.org"]
        {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
    }
}
