#!/bin/sh
# Sandbox launcher: join the run's cgroups, expose toolchains the sandbox user could not reach, drop root, exec bwrap.
# Settings come from the environment (bwrap --clearenv keeps them away from the sandboxed program):
#   VM_CGROUP_PROCS  cgroup.procs files to join (space separated)
#   VM_MIRROR_DIR    when set: a private mount namespace gets a tmpfs here with VM_MIRROR_SRCS bound at 0, 1, ...
#   VM_DROP_TO       "uid gid": switch to this unprivileged user (and no_new_privs) before bwrap
# Exit 125 means the launcher itself failed (an infrastructure error, never the program's fault).
for f in $VM_CGROUP_PROCS; do
  echo $$ > "$f" || { echo "verimesh-launcher: cannot join cgroup $f" >&2; exit 125; }
done
if [ -n "$VM_MIRROR_DIR" ] && [ -z "$VM_IN_PRIVATE_NS" ]; then
  VM_IN_PRIVATE_NS=1 exec unshare --mount --propagation private -- /bin/sh "$0" "$@"
  echo "verimesh-launcher: unshare failed" >&2
  exit 125
fi
if [ -n "$VM_MIRROR_DIR" ]; then
  mount -t tmpfs -o mode=755,size=64k verimesh-toolchains "$VM_MIRROR_DIR" || exit 125
  i=0
  for src in $VM_MIRROR_SRCS; do
    mkdir "$VM_MIRROR_DIR/$i" && mount --bind "$src" "$VM_MIRROR_DIR/$i" || { echo "verimesh-launcher: cannot mirror $src" >&2; exit 125; }
    i=$((i + 1))
  done
fi
# bwrap's init inside the sandbox keeps this environment (readable at /proc/1/environ): leave nothing of ours in it.
drop=$VM_DROP_TO
cd / || exit 125
unset VM_CGROUP_PROCS VM_MIRROR_DIR VM_MIRROR_SRCS VM_IN_PRIVATE_NS VM_DROP_TO OLDPWD
if [ -n "$drop" ]; then
  exec setpriv --reuid "${drop% *}" --regid "${drop#* }" --clear-groups --no-new-privs -- bwrap "$@"
  echo "verimesh-launcher: setpriv failed" >&2
  exit 125
fi
exec bwrap "$@"
echo "verimesh-launcher: bwrap not found" >&2
exit 125
