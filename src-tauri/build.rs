fn main() {
    // The embedded UI changes when ui/ is rebuilt; tauri-build does not watch it by itself.
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
