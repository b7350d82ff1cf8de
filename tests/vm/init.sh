#!/bin/busybox sh
# /init of the VM test initramfs (packed by build-initramfs; run by the
# guest kernel as PID 1, with busybox as the only userspace).
#
# It mounts the pseudo file systems, hands every QEMU edu device to vfio-pci,
# runs each program listed in /etc/libpasid-progs with the machine name as
# its argument, and frames each run with markers that run-vm parses:
#   ### libpasid-vm: begin NAME
#   ... program output (TAP "ok N - ..." lines are picked up) ...
#   ### libpasid-vm: end NAME exit=CODE
#   ### libpasid-vm: done
# then powers the machine off.
#
# Kernel command line knobs (set by run-vm):
#   libpasid.machine=NAME   passed to every program as $1
#   libpasid.out=kmsg       send all output through /dev/kmsg instead of the
#                           console: on some vIOMMU setups (amd-iommu in QEMU
#                           10.0.2 with pt=on) user writes to ttyS0 are lost
#                           while kernel messages still get out.

/bin/busybox --install -s /bin
export PATH=/bin
# Test programs that are dynamically linked find their libraries here
# (build-initramfs copies them in); static ones ignore it.
export LD_LIBRARY_PATH=/lib

mount -t devtmpfs devtmpfs /dev
# If the archive had no /dev/console the kernel started us with no stdio.
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mkdir -p /dev/hugepages && mount -t hugetlbfs hugetlbfs /dev/hugepages 2>/dev/null

machine=unknown
out=console
read -r cmdline < /proc/cmdline
for arg in $cmdline; do
    case $arg in
    libpasid.machine=*) machine=${arg#*=} ;;
    libpasid.out=*) out=${arg#*=} ;;
    esac
done

# say: one line to the chosen output.  Lines to /dev/kmsg need a priority
# high enough (<2>, critical) to pass loglevel=4 onto the console.
say() {
    if [ "$out" = kmsg ]; then
        printf '<2>%s\n' "$*" > /dev/kmsg
    else
        printf '%s\n' "$*"
    fi
}
# sink: copy a stream line by line to the chosen output.
sink() {
    if [ "$out" = kmsg ]; then
        while IFS= read -r line; do
            printf '<2>%s\n' "$line" > /dev/kmsg
        done
    else
        cat
    fi
}

say "### libpasid-vm: init machine=$machine out=$out kernel=$(uname -r) arch=$(uname -m)"

# Modules of a distribution kernel, in dependency order (build-initramfs
# --module).  busybox insmod does not read /proc/cmdline as modprobe does,
# so a "module.param=value" on the command line is passed on here.
while IFS= read -r ko; do
    [ -n "$ko" ] || continue
    mod=$(echo "${ko%.ko}" | tr - _)
    params=
    for arg in $cmdline; do
        case $arg in "$mod".*=*) params="$params ${arg#"$mod".}" ;; esac
    done
    # shellcheck disable=SC2086  # one word per parameter
    if insmod "/lib/modules/$ko" $params; then
        say "### libpasid-vm: module $mod loaded${params:+ with$params}"
    else
        say "### libpasid-vm: module $mod failed to load"
    fi
done < /etc/libpasid-modules

# Hand each edu (vendor 0x1234, device 0x11e8) to vfio-pci: driver_override
# makes vfio-pci the only driver that may bind, drivers_probe binds it now.
edus=
for dev in /sys/bus/pci/devices/*; do
    case "$(cat "$dev/vendor"):$(cat "$dev/device")" in
    0x1234:0x11e8) ;;
    *) continue ;;
    esac
    bdf=${dev##*/}
    [ -e "$dev/driver" ] && echo "$bdf" > "$dev/driver/unbind"
    echo vfio-pci > "$dev/driver_override"
    echo "$bdf" > /sys/bus/pci/drivers_probe
    drv=none
    [ -e "$dev/driver" ] && drv=$(basename "$(readlink "$dev/driver")")
    group=none
    [ -e "$dev/iommu_group" ] && group=$(basename "$(readlink "$dev/iommu_group")")
    cdev=none
    [ -d "$dev/vfio-dev" ] && cdev=$(ls "$dev/vfio-dev")
    say "### libpasid-vm: edu $bdf driver=$drv iommu_group=$group vfio=$cdev"
    edus="$edus $bdf"
done
[ -n "$edus" ] || say "### libpasid-vm: no edu device found"
# Tests may want to know which devices are theirs without scanning sysfs.
export LIBPASID_MACHINE="$machine" LIBPASID_EDU="${edus# }"

while IFS= read -r prog; do
    [ -n "$prog" ] || continue
    say "### libpasid-vm: begin $prog"
    if [ "$out" = kmsg ]; then
        # The exit code cannot come back through the pipe; use a file.
        { /bin/"$prog" "$machine"; echo $? > /tmp/rc; } 2>&1 < /dev/null | sink
        rc=$(cat /tmp/rc)
    else
        # No pipe here: on the console (a tty) stdio stays line-buffered, so
        # a program that crashes still shows what it printed.
        /bin/"$prog" "$machine" 2>&1 < /dev/null
        rc=$?
    fi
    say "### libpasid-vm: end $prog exit=$rc"
done < /etc/libpasid-progs

say "### libpasid-vm: done"
poweroff -f
