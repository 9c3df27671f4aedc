#!/usr/bin/env bash
# Create one venv per candidate under venvs/, install it with pip (no pip/setuptools inside the
# venv, so no .pth files add to start-up), and compile all bytecode as an installed package has.
set -u
cd "$(dirname "$0")"
RICH="rich==15.0.0"
# name | requirements
CANDIDATES=(
  "t0.29.2|typer==0.29.2"
  "t0.28.0|typer==0.28.0"
  "t0.27.3|typer==0.27.3"
  "t0.26.8|typer==0.26.8"
  "t0.25.1|typer==0.25.1"
  "t0.24.2|typer==0.24.2"
  "t0.24.2-click8.4|typer==0.24.2 click==8.4.2"
  "t0.24.2-click8.3|typer==0.24.2 click==8.3.3"
  "t0.24.2-click8.2|typer==0.24.2 click==8.2.1"
  "t0.24.2-click8.3.0|typer==0.24.2 click==8.3.0"
  "t0.25.1-click8.3.1|typer==0.25.1 click==8.3.1"
  "t0.23.2|typer==0.23.2"
  "t0.22.0|typer==0.22.0"
  "t0.20.1|typer==0.20.1"
  "t0.17.5|typer==0.17.5"
  "t0.16.1|typer==0.16.1"
  "t0.16.1-click8.1|typer==0.16.1 click==8.1.8"
  "t0.15.4|typer==0.15.4"
  "t0.12.5|typer==0.12.5"
  "t0.12.5-click8.1|typer==0.12.5 click==8.1.8"
)
for c in "${CANDIDATES[@]}"; do
  name=${c%%|*}; reqs=${c#*|}
  [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]] && continue
  v=venvs/$name
  if [ ! -x $v/bin/python ]; then python3 -m venv --without-pip $v; fi
  python3 -m pip --python $v/bin/python install -q --disable-pip-version-check $reqs $RICH \
      > $v.install.log 2>&1 || { echo "$name: install FAILED"; tail -3 $v.install.log; continue; }
  sp=$($v/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  $v/bin/python -m compileall -q "$sp" >/dev/null 2>&1
  echo "$name: $(python3 -m pip --python $v/bin/python list --disable-pip-version-check 2>/dev/null | awk 'NR>2{printf "%s=%s ", $1, $2}')"
done
# the app's own bytecode (app.py is imported by run.py); same for every venv
python3 -m compileall -q app.py
