//! One Cubby per data folder. A later launch on the same folder asks the running one to bring
//! its window forward, then exits; a launch on another folder (tests, `make run` beside an
//! installed app) is a Cubby of its own.
//!
//! Tauri's single-instance plugin keys the instance on the app identifier alone, and on macOS
//! keeps its socket in the shared `/tmp`; neither gives one instance per data folder, so the
//! channel is Cubby's own, on each desktop's native local IPC:
//! - Linux: an abstract Unix socket, which vanishes with its owner (no stale lock after a crash);
//! - macOS: a Unix socket in the per-user `$TMPDIR`;
//! - Windows: a named pipe, refusing remote clients.
//!
//! The only message is `show`. The knock is answered only from this user: `SO_PEERCRED` or
//! `getpeereid` on Unix; on Windows the pipe's default access lets other accounts read, not write.

use std::path::Path;

pub enum Claim {
    First(Instance),
    /// Another Cubby owns this data folder; its window was asked to come forward.
    AlreadyRunning,
}

/// Stable across builds and platforms (FNV-1a), so an upgraded Cubby still finds a running one.
fn folder_hash(data_dir: &Path) -> u64 {
    data_dir
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// What a knock must say, at most this long: a silent or chatty client is dropped.
const KNOCK: &[u8] = b"show\n";
const KNOCK_MAX: u64 = 16;

#[cfg(unix)]
pub use unix::{claim, Instance};
#[cfg(windows)]
pub use windows::{claim, Instance};

#[cfg(unix)]
mod unix {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
    use std::path::Path;

    use super::{folder_hash, Claim, KNOCK, KNOCK_MAX};

    pub struct Instance {
        listener: UnixListener,
        /// The socket file to remove at exit (macOS); Linux's abstract name needs none.
        #[cfg_attr(target_os = "linux", allow(dead_code))]
        path: Option<std::path::PathBuf>,
    }

    #[cfg(not(target_os = "linux"))]
    impl Drop for Instance {
        fn drop(&mut self) {
            if let Some(path) = &self.path {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    #[cfg(target_os = "linux")]
    fn address(data_dir: &Path) -> std::io::Result<(SocketAddr, Option<std::path::PathBuf>)> {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("cubby-desktop-{:016x}", folder_hash(data_dir));
        Ok((SocketAddr::from_abstract_name(name)?, None))
    }

    /// macOS's `$TMPDIR` is private to the user (mode 0700) and short enough for a socket path.
    #[cfg(not(target_os = "linux"))]
    fn address(data_dir: &Path) -> std::io::Result<(SocketAddr, Option<std::path::PathBuf>)> {
        let path = std::env::temp_dir().join(format!("cubby-desktop-{:016x}.sock", folder_hash(data_dir)));
        Ok((SocketAddr::from_pathname(&path)?, Some(path)))
    }

    fn knock(addr: &SocketAddr) -> std::io::Result<()> {
        let mut stream = UnixStream::connect_addr(addr)?;
        // Another account could squat the name to keep Cubby from starting: only our own user's
        // instance counts.
        if !same_user(&stream) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the single-instance socket belongs to another user",
            ));
        }
        stream.write_all(KNOCK)
    }

    /// Claims the data folder for this process, or knocks on the process that has it.
    pub fn claim(data_dir: &Path) -> std::io::Result<Claim> {
        let (addr, path) = address(data_dir)?;
        if knock(&addr).is_ok() {
            return Ok(Claim::AlreadyRunning);
        }
        // Nobody answered: a socket file left there is a crashed instance's.
        if let Some(path) = &path {
            let _ = std::fs::remove_file(path);
        }
        match UnixListener::bind_addr(&addr) {
            Ok(listener) => Ok(Claim::First(Instance { listener, path })),
            // Lost a race with another launch: that one is the instance now.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                knock(&addr)?;
                Ok(Claim::AlreadyRunning)
            }
            Err(e) => Err(e),
        }
    }

    impl Instance {
        /// Calls `show` for every knock, on a thread of its own, for as long as the process runs.
        pub fn serve(self, show: impl Fn() + Send + Sync + 'static) {
            let _ = std::thread::Builder::new()
                .name("cubby-instance".into())
                .spawn(move || {
                    for stream in self.listener.incoming().flatten() {
                        if !same_user(&stream) {
                            continue;
                        }
                        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                        let mut line = Vec::new();
                        let mut reader = BufReader::new(stream.take(KNOCK_MAX));
                        if reader.read_until(b'\n', &mut line).is_ok() && line == KNOCK {
                            show();
                        }
                    }
                });
        }
    }

    /// True when the process at the other end of `stream` runs as this process's user.
    #[allow(unsafe_code)]
    pub(super) fn same_user(stream: &UnixStream) -> bool {
        use std::os::fd::AsRawFd;
        // SAFETY: getuid has no preconditions and cannot fail.
        let me = unsafe { libc::getuid() };
        #[cfg(target_os = "linux")]
        {
            let mut cred = libc::ucred {
                pid: 0,
                uid: 0,
                gid: 0,
            };
            let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
            // SAFETY: SO_PEERCRED writes at most `len` bytes into `cred`, a ucred we own.
            let ok = unsafe {
                libc::getsockopt(
                    stream.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_PEERCRED,
                    (&mut cred as *mut libc::ucred).cast(),
                    &mut len,
                )
            } == 0;
            ok && cred.uid == me
        }
        #[cfg(not(target_os = "linux"))]
        {
            let (mut uid, mut gid) = (0, 0);
            // SAFETY: getpeereid writes two ids we own.
            let ok = unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) } == 0;
            ok && uid == me
        }
    }
}

#[cfg(windows)]
mod windows {
    use std::path::Path;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeServer, ServerOptions};

    use super::{folder_hash, Claim, KNOCK, KNOCK_MAX};

    /// Every instance of the pipe is busy: the owner is there, answering another launch.
    const ERROR_PIPE_BUSY: i32 = 231;

    pub struct Instance {
        name: String,
        server: NamedPipeServer,
    }

    fn create_pipe(name: &str, first: bool) -> std::io::Result<NamedPipeServer> {
        ServerOptions::new()
            .first_pipe_instance(first)
            .reject_remote_clients(true)
            .create(name)
    }

    /// Claims the data folder for this process, or knocks on the process that has it. The pipe
    /// lives on Tauri's runtime, which later serves it.
    pub fn claim(data_dir: &Path) -> std::io::Result<Claim> {
        let name = format!(r"\\.\pipe\cubby-desktop-{:016x}", folder_hash(data_dir));
        tauri::async_runtime::block_on(async move {
            // Twice: a launch that loses the race to create the pipe knocks on the winner.
            for _ in 0..2 {
                match ClientOptions::new().open(&name) {
                    Ok(mut client) => {
                        client.write_all(KNOCK).await?;
                        return Ok(Claim::AlreadyRunning);
                    }
                    Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) => return Ok(Claim::AlreadyRunning),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                match create_pipe(&name, true) {
                    Ok(server) => return Ok(Claim::First(Instance { name, server })),
                    // `first_pipe_instance` refuses when another process created it meanwhile.
                    Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
                    Err(e) => return Err(e),
                }
            }
            Err(std::io::Error::other(
                "another Cubby is starting on this data folder",
            ))
        })
    }

    impl Instance {
        /// Calls `show` for every knock, for as long as the process runs.
        pub fn serve(self, show: impl Fn() + Send + Sync + 'static) {
            let show = std::sync::Arc::new(show);
            let Instance { name, mut server } = self;
            tauri::async_runtime::spawn(async move {
                loop {
                    if let Err(e) = server.connect().await {
                        tracing::debug!("single-instance pipe: {e}");
                    }
                    // The next launch needs a pipe instance to connect to while this one is read.
                    let connected = match create_pipe(&name, false) {
                        Ok(next) => std::mem::replace(&mut server, next),
                        Err(e) => {
                            tracing::warn!("single-instance pipe closed: {e}");
                            return;
                        }
                    };
                    let show = show.clone();
                    tauri::async_runtime::spawn(async move {
                        let mut knock = Vec::new();
                        let mut limited = connected.take(KNOCK_MAX);
                        let read = limited.read_to_end(&mut knock);
                        if tokio::time::timeout(Duration::from_secs(1), read).await.is_ok() && knock == KNOCK
                        {
                            show();
                        }
                    });
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_on_the_same_folder_brings_the_first_forward() {
        let dir = std::env::temp_dir().join(format!("cubby-instance-{}", std::process::id()));
        let Claim::First(first) = claim(&dir).unwrap() else {
            panic!("nothing else should own a fresh folder");
        };
        let (shown, knocks) = std::sync::mpsc::channel();
        first.serve(move || {
            let _ = shown.send(());
        });
        assert!(matches!(claim(&dir).unwrap(), Claim::AlreadyRunning));
        knocks
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("the first instance hears the knock");
        // Another folder is another instance.
        assert!(matches!(claim(&dir.join("other")).unwrap(), Claim::First(_)));
    }

    #[cfg(unix)]
    #[test]
    fn the_instance_socket_knows_its_own_user() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(unix::same_user(&a));
    }

    #[test]
    fn the_channel_name_depends_on_the_folder_alone() {
        assert_eq!(folder_hash(Path::new("/a/b")), folder_hash(Path::new("/a/b")));
        assert_ne!(folder_hash(Path::new("/a/b")), folder_hash(Path::new("/a/c")));
    }
}
