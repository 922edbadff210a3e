//! Where Cubby keeps things: profiles (TOML) in the config dir; journals, registers and the
//! sandbox's files in the data dir. Both are passed around as a value, never read from a global.

use std::path::{Path, PathBuf};

use crate::resolve::Env;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
}

impl Dirs {
    pub fn new(config: impl Into<PathBuf>, data: impl Into<PathBuf>) -> Self {
        Dirs {
            config: config.into(),
            data: data.into(),
        }
    }

    /// The platform directories, overridden by `CUBBY_CONFIG_DIR` and `CUBBY_DATA_DIR`.
    pub fn from_env(env: &Env) -> Result<Self> {
        let (config, data) = platform_dirs().unzip();
        let pick = |var: &str, platform: Option<PathBuf>| -> Result<PathBuf> {
            match env.get(var) {
                Some(dir) => Ok(PathBuf::from(dir)),
                None => platform.ok_or_else(|| {
                    Error::Config(format!(
                        "cannot find a home directory: set {var} to a folder Cubby may use"
                    ))
                }),
            }
        };
        Ok(Dirs {
            config: pick("CUBBY_CONFIG_DIR", config)?,
            data: pick("CUBBY_DATA_DIR", data)?,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("profiles.toml")
    }

    pub fn sandbox_dir(&self) -> PathBuf {
        self.data.join("sandbox")
    }

    /// Creates both folders if needed and makes them private to the user (0700 on Unix): they
    /// hold journals, the link register, the sandbox's objects and opened copies of files, none
    /// of which another account on the machine should read. Whatever is created inside them
    /// inherits the protection, whatever its own mode.
    pub fn make_private(&self) -> Result<()> {
        for dir in [&self.config, &self.data] {
            make_private_dir(dir)?;
        }
        Ok(())
    }
}

/// Where a desktop app keeps its settings and its data on this platform:
/// - Windows: `%APPDATA%\Cubby` for the profiles (they roam with the user) and
///   `%LOCALAPPDATA%\Cubby` for journals, the sandbox and opened copies, which a roaming profile
///   would copy at every sign-in;
/// - macOS: `~/Library/Application Support/com.oasys360.cubby` for both;
/// - Linux: `$XDG_CONFIG_HOME/cubby` and `$XDG_DATA_HOME/cubby`.
fn platform_dirs() -> Option<(PathBuf, PathBuf)> {
    if cfg!(windows) {
        let base = directories::BaseDirs::new()?;
        return Some((
            base.config_dir().join("Cubby"),
            base.data_local_dir().join("Cubby"),
        ));
    }
    let project = directories::ProjectDirs::from("com", "oasys360", "cubby")?;
    Some((
        project.config_dir().to_path_buf(),
        project.data_dir().to_path_buf(),
    ))
}

fn make_private_dir(dir: &Path) -> Result<()> {
    let failed = |e| Error::io(format!("cannot create {}", dir.display()), e);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(failed)?;
        let meta = std::fs::metadata(dir).map_err(failed)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(format!("cannot make {} private", dir.display()), e))?;
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).map_err(failed)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn config_and_data_folders_are_private_whether_new_or_existing() {
        let home = tempfile::tempdir().expect("tempdir");
        let existing = home.path().join("data");
        std::fs::create_dir_all(&existing).expect("mkdir");
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let dirs = Dirs::new(home.path().join("config/deep"), &existing);
        dirs.make_private().expect("private");
        for dir in [&dirs.config, &dirs.data] {
            let mode = std::fs::metadata(dir).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", dir.display());
        }
    }
}

/// Writes a file so that readers see the old or the new content, never half of either.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("cannot write {}", path.display()), e)
    })
}
