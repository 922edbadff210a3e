// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    cubby_core::secret::forbid_core_dumps();
    cubby_desktop_lib::run();
}
