# The Linux targets built and tested here, and napi-rs' npm/<platform>
# directory name of each (platform-arch-abi). Sourced by build-targets.sh and
# test-targets.sh, so both scripts agree on them.

LINUX_TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl)

# npm/<platform> directory of a Linux triple; fails for any other triple.
platform_of() {
  case "$1" in
    x86_64-unknown-linux-gnu) echo linux-x64-gnu ;;
    x86_64-unknown-linux-musl) echo linux-x64-musl ;;
    aarch64-unknown-linux-gnu) echo linux-arm64-gnu ;;
    aarch64-unknown-linux-musl) echo linux-arm64-musl ;;
    *) return 1 ;;
  esac
}
