#!/bin/sh
# Installs what tests/test_notebook.py renders the notebook view with: Debian's Chromium
# and its WebDriver. Does nothing when both are there already; needs root (apt-get).
set -e
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "tests/install-browser.sh: the notebook test needs /usr/bin/chromium and /usr/bin/chromedriver;" \
       "install Debian's chromium and chromium-driver packages (as root: apt-get install chromium chromium-driver)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
