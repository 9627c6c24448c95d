#!/usr/bin/env bash
# Install what the browser tests need where this machine allows it: Debian's Chromium
# (/usr/bin/chromium) through apt-get when running as root. Never fails the build: without a
# browser the browser tests skip and say why. Playwright itself comes with requirements.lock.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: Chromium is not installed and cannot be installed here (needs root and apt-get);" \
       "the browser tests will be skipped. Install it with: apt-get install chromium" >&2
  exit 0
fi
echo "==> installing Chromium for the browser tests (apt-get install chromium, about a minute)"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q chromium >/tmp/shopbot-apt.log 2>&1; then
  apt-get update -q >>/tmp/shopbot-apt.log 2>&1
  apt-get install -y -q chromium >>/tmp/shopbot-apt.log 2>&1 \
    || echo "note: apt-get could not install Chromium (see /tmp/shopbot-apt.log);" \
            "the browser tests will be skipped" >&2
fi
exit 0
