#!/bin/sh
# Sandbox launcher: join the run's cgroups, enter the toolchain mirror's mount namespace, drop root, exec bwrap.
# Settings come from the environment (bwrap --clearenv keeps them away from the sandboxed program):
#   VM_CGROUP_PROCS  cgroup.procs files to join (space separated)
#   VM_MOUNT_NS      when set: the mount namespace (/proc/PID/ns/mnt) where toolchains the sandbox user could not
#                    reach are mirrored (see startMirror in sandbox.ts)
#   VM_DROP_TO       "uid gid": switch to this unprivileged user (and no_new_privs) before bwrap
# Exit 125 means the launcher itself failed (an infrastructure error, never the program's fault).
for f in $VM_CGROUP_PROCS; do
  echo $$ > "$f" || { echo "verimesh-launcher: cannot join cgroup $f" >&2; exit 125; }
done
# bwrap's init inside the sandbox keeps this environment (readable at /proc/1/environ): leave nothing of ours in it.
drop=$VM_DROP_TO
ns=$VM_MOUNT_NS
cd / || exit 125
unset VM_CGROUP_PROCS VM_MOUNT_NS VM_DROP_TO OLDPWD
set -- bwrap "$@"
if [ -n "$drop" ]; then set -- setpriv --reuid "${drop% *}" --regid "${drop#* }" --clear-groups --no-new-privs -- "$@"; fi
if [ -n "$ns" ]; then set -- nsenter --mount="$ns" -- "$@"; fi
exec "$@"
echo "verimesh-launcher: cannot start $1" >&2
exit 125
