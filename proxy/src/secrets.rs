//! Secrets at rest: Salesforce tokens are sealed with an AEAD (ChaCha20-Poly1305) before they
//! are stored. The key comes from configuration (base64, 32 bytes) or from a key file the proxy
//! generates once, readable by its owner only (0600).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng};
use chacha20poly1305::{AeadCore, ChaCha20Poly1305, Key, Nonce};

use crate::ProxyError;

/// The key that seals and opens stored secrets. Never printed.
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer from a base64 key of 32 bytes.
    pub fn from_base64(key: &str) -> Result<Sealer, ProxyError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| ProxyError::Secret("the encryption key is not base64".into()))?;
        if bytes.len() != 32 {
            return Err(ProxyError::Secret(format!(
                "the encryption key has {} bytes, not 32",
                bytes.len()
            )));
        }
        Ok(Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// The key in `path`, generated there (mode 0600) if the file does not exist.
    pub fn from_key_file(path: &Path) -> Result<Sealer, ProxyError> {
        let io =
            |e: std::io::Error| ProxyError::Secret(format!("key file {}: {e}", path.display()));
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let key = ChaCha20Poly1305::generate_key(&mut OsRng);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(io)?;
            std::io::Write::write_all(&mut file, STANDARD.encode(key).as_bytes()).map_err(io)?;
            tracing::info!(path = %path.display(), "generated the encryption key file");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(ProxyError::Secret(format!(
                    "key file {} is readable by others (mode {mode:o}); chmod 600 it",
                    path.display()
                )));
            }
        }
        Sealer::from_base64(&std::fs::read_to_string(path).map_err(io)?)
    }

    /// Seals `plain`: base64 of a fresh nonce and the ciphertext with its tag.
    pub fn seal(&self, plain: &str) -> Result<String, ProxyError> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| ProxyError::Secret("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(STANDARD.encode(out))
    }

    /// Opens what [`Sealer::seal`] sealed; refuses anything altered or sealed with another key.
    pub fn open(&self, sealed: &str) -> Result<String, ProxyError> {
        let refuse = || {
            ProxyError::Secret("a stored secret cannot be opened (altered, or another key)".into())
        };
        let bytes = STANDARD.decode(sealed).map_err(|_| refuse())?;
        if bytes.len() < 12 + 16 {
            return Err(refuse());
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| refuse())?;
        String::from_utf8(plain).map_err(|_| refuse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_refuse_tampering() {
        let sealer = Sealer::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let sealed = sealer.seal("refresh-token-123").unwrap();
        assert!(!sealed.contains("refresh-token"));
        assert_ne!(
            sealer.seal("refresh-token-123").unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(sealer.open(&sealed).unwrap(), "refresh-token-123");
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(sealer.open(&STANDARD.encode(bytes)).is_err(), "tampered");
        let other = Sealer::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert!(other.open(&sealed).is_err(), "another key");
        assert!(sealer.open("short").is_err());
        assert!(Sealer::from_base64("not base64!").is_err());
        assert!(
            Sealer::from_base64(&STANDARD.encode([1u8; 16]))
                .unwrap_err()
                .to_string()
                .contains("16 bytes")
        );
        assert_eq!(format!("{sealer:?}"), "Sealer(..)", "the key never prints");
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_private_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/pane.key");
        let sealed = Sealer::from_key_file(&path).unwrap().seal("x").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            Sealer::from_key_file(&path).unwrap().open(&sealed).unwrap(),
            "x",
            "the same key after a restart"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            Sealer::from_key_file(&path)
                .unwrap_err()
                .to_string()
                .contains("readable by others")
        );
    }
}
