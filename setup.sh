#!/usr/bin/env bash
# One script for every set-up on a fresh Debian (12 or newer) machine:
#   ./setup.sh demo    install, then run the kiosk on its demo data (simulated devices)
#   ./setup.sh test    install everything the tests need, then run the whole test suite
#   ./setup.sh bench   install, then run the benchmarks (prints figures)
#   ./setup.sh install only install (Debian packages + .venv with the kiosk)
# Debian packages are installed with apt-get (as root, or through sudo when it is there);
# Python packages go into .venv beside this file.
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-demo}"
shift || true

# What the kiosk needs to run: Python, OpenGL for the window (Mesa works without a GPU
# and without a display), multitouch, speech.
RUN_DEBS=(python3 python3-venv python3-pip python3-dev gcc
          libgl1-mesa-dri libegl1 libgles2 libmtdev1 espeak-ng alsa-utils)
# Hardware on a kiosk: pcscd for PC/SC card readers and pads, libusb for USB receipt
# printers (pyusb); pyscard builds against libpcsclite-dev with swig, evdev against the
# kernel headers (neither has a wheel for every platform).
HW_DEBS=(pcscd libpcsclite-dev swig linux-libc-dev libusb-1.0-0)
# What the tests add: real peers started by the tests themselves.
TEST_DEBS=(mosquitto pcscd vsmartcard-vpcd libpcsclite-dev swig socat sox)

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "setup: please install as root: apt-get install ${missing[*]}" >&2; exit 1
        fi
    fi
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # On a test machine the packaged daemons must not run on their own: tests start their
    # own on 127.0.0.1 (pcscd's socket is fixed, so its socket activation goes too). On a
    # kiosk (install, demo) pcscd stays: the PC/SC readers need it.
    if [ "$mode" = test ] || [ "$mode" = bench ]; then
        for service in mosquitto pcscd; do
            if printf '%s\n' "${missing[@]}" | grep -qx "$service"; then
                $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
                [ "$service" = pcscd ] && { $sudo systemctl disable --now pcscd.socket >/dev/null 2>&1 || true; }
                $sudo pkill -x "$service" >/dev/null 2>&1 || true
            fi
        done
    fi
}

# The OctoPrint the tests and the benchmarks talk to (its bundled virtual printer stands in
# for a real one): from PyPI into its own virtual environment under the user's cache
# directory, kept between runs and made again when the wanted version changes. A kiosk
# never installs it (it talks to the OctoPrint on each printer's Raspberry Pi).
OCTOPRINT_SPEC="octoprint>=1.11,<1.12"
octoprint_peer() {
    local dir="${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/palu-kiosk/octoprint-1.11"
    if [ -x "$dir/bin/octoprint" ] && [ "$(cat "$dir/.installed" 2>/dev/null)" = "$OCTOPRINT_SPEC" ]; then
        return 0
    fi
    echo "setup: installing the test OctoPrint ($OCTOPRINT_SPEC) into $dir"
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    if python3 -m venv "$dir" \
        && "$dir/bin/python" -m pip install -q --upgrade pip \
        && "$dir/bin/python" -m pip install -q "$OCTOPRINT_SPEC"; then
        echo "$OCTOPRINT_SPEC" > "$dir/.installed"
    else
        # The OctoPrint tests then skip here, and fail in CI (a required peer).
        echo "setup: could not install OctoPrint for the tests" >&2
        rm -rf "$dir"
    fi
}

python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

make_venv() {
    local extras="$1"
    if [ ! -x .venv/bin/python ] || ! python_ok .venv/bin/python; then
        python_ok python3 || { echo "setup: Python 3.11 or newer is needed" >&2; exit 1; }
        rm -rf .venv
        python3 -m venv .venv
    fi
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[${extras}]"
}

case "$mode" in
    install)
        apt_install "${RUN_DEBS[@]}" "${HW_DEBS[@]}"
        make_venv "pcsc,hid,escpos"
        ;;
    demo)
        apt_install "${RUN_DEBS[@]}"
        make_venv "test"
        exec .venv/bin/kiosk demo "$@"
        ;;
    test)
        apt_install "${RUN_DEBS[@]}" "${TEST_DEBS[@]}"
        make_venv "test,pcsc,escpos"
        octoprint_peer
        export KIVY_HOME="${KIVY_HOME:-$(mktemp -d)}" KIVY_NO_ARGS=1
        .venv/bin/ruff check .
        .venv/bin/ruff format --check .
        .venv/bin/mypy
        .venv/bin/lint-imports
        set +e
        # The slowest 20 tests and fixtures in every run's output: slow creep shows.
        .venv/bin/python -m pytest --durations=20 "$@"
        rc=$?
        set -e
        if [ "$rc" -eq 5 ]; then
            echo "setup: pytest collected no tests: that is a failure" >&2
            exit 1
        fi
        exit "$rc"
        ;;
    bench)
        apt_install "${RUN_DEBS[@]}" "${TEST_DEBS[@]}"
        make_venv "test,pcsc,escpos"
        octoprint_peer
        export KIVY_HOME="${KIVY_HOME:-$(mktemp -d)}" KIVY_NO_ARGS=1
        exec .venv/bin/python -m bench "$@"
        ;;
    *)
        echo "usage: ./setup.sh demo|test|bench|install" >&2
        exit 2
        ;;
esac
