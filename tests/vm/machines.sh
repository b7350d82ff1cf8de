# Machine definitions for run-vm (sourced, not run).  All machines live here
# so that adding one, or changing how one is built, is a single function.
#
# machine_NAME sets:
#   arch          guest architecture: which kernel and busybox to use
#   qemu          QEMU binary, unless run-vm's --qemu already set it; the
#                 LIBPASID_QEMU_X86_64 / LIBPASID_QEMU_ARM64 environment
#                 variables pick one for every machine of that guest arch
#                 that runs on stock QEMU (smmuv3-pasid needs the patched one)
#   qemu_args     board, CPU, memory, console wiring
#   iommu_dev     the vIOMMU as a "-device" value ("" when the board has it)
#   append        machine-specific kernel arguments
# and may read $qemu (already resolved) to probe which properties that QEMU
# understands, and add properties every edu gets to edu_args (",name=value").  run-vm adds the edu devices, --iommu-arg properties,
# --qemu-arg arguments, the kernel, the initramfs and the common kernel
# arguments afterwards.
# shellcheck shell=bash disable=SC2034  # everything here is read by run-vm

# Common to the q35 machines: TCG (the host's /dev/kvm does not work), no
# default devices, the first serial port as console.
q35_args=(-M q35 -accel 'tcg,thread=multi' -cpu max -m 2G -smp 2
    -nographic -nodefaults -no-reboot -serial stdio)

# True if QEMU's DEVICE knows property PROP (property names change between
# QEMU releases, e.g. intel-iommu's x-scalable-mode became scalable-mode).
qemu_has_prop() {
    "$qemu" -device "$1,help" 2>/dev/null | grep -q "^ *$2="
}

machine_intel() {
    arch=x86_64 qemu=${qemu:-${LIBPASID_QEMU_X86_64:-qemu-system-x86_64}}
    qemu_args=("${q35_args[@]}")
    if qemu_has_prop intel-iommu x-pasid-mode; then
        # QEMU <= 10.x
        iommu_dev=intel-iommu,intremap=on,x-scalable-mode=on,x-pasid-mode=on
    else
        # QEMU 11.x renamed them
        iommu_dev=intel-iommu,intremap=on,scalable-mode=on,pasid-bits=20
    fi
    append="console=ttyS0 intel_iommu=on,sm_on"
}

machine_amd() {
    arch=x86_64 qemu=${qemu:-${LIBPASID_QEMU_X86_64:-qemu-system-x86_64}}
    qemu_args=("${q35_args[@]}")
    # With QEMU 10.0.2's default pt=on the edu DMA silently does not land
    # (and guest user output on ttyS0 goes missing); pt=off fixes both.
    # QEMU 11 has dma-remap=on for the same purpose.
    if qemu_has_prop amd-iommu dma-remap; then
        iommu_dev=amd-iommu,dma-remap=on
    else
        iommu_dev=amd-iommu,pt=off
    fi
    # No interrupt remapping in this guest ("No southbridge IOAPIC found"):
    # without the unsafe-interrupts knob VFIO_DEVICE_BIND_IOMMUFD is EPERM.
    # (vfio_iommu_type1 has its own knob, for the type1 runs)
    append="console=ttyS0 amd_iommu=on iommufd.allow_unsafe_interrupts=1 vfio_iommu_type1.allow_unsafe_interrupts=1"
}

machine_virtio() {
    arch=x86_64 qemu=${qemu:-${LIBPASID_QEMU_X86_64:-qemu-system-x86_64}}
    qemu_args=("${q35_args[@]}")
    iommu_dev=virtio-iommu-pci
    # virtio-iommu gives no MSI isolation either.
    append="console=ttyS0 iommufd.allow_unsafe_interrupts=1 vfio_iommu_type1.allow_unsafe_interrupts=1"
}

# The SMMUv3 is part of the virt board; GICv3 for the ITS (MSIs).
virt_smmuv3_args=(-M 'virt,iommu=smmuv3,gic-version=3' -accel 'tcg,thread=multi'
    -cpu 'max,pauth-impdef=on' -m 1G -smp 2
    -nographic -nodefaults -no-reboot -serial stdio)

machine_smmuv3() {
    arch=arm64 qemu=${qemu:-${LIBPASID_QEMU_ARM64:-qemu-system-aarch64}}
    qemu_args=("${virt_smmuv3_args[@]}")
    iommu_dev=
    append="console=ttyAMA0"
}

# PASID-tagged DMA on arm64: the project's patched QEMU (tests/vm/qemu,
# built on first use unless --qemu names one), the board's SMMUv3 with 20
# SubstreamID bits (the board creates it, so a -global sets the property)
# and every edu with 20 PASID bits.
machine_smmuv3-pasid() {
    arch=arm64
    if [ -z "$qemu" ]; then
        # shellcheck disable=SC2154  # $here: run-vm's directory (tests/vm)
        qemu=$("$here/qemu/build-qemu" aarch64 | tail -n 1) ||
            { echo "machines.sh: could not build the patched qemu-system-aarch64" >&2; return 1; }
    fi
    qemu_args=("${virt_smmuv3_args[@]}" -global arm-smmuv3.ssidsize=20)
    iommu_dev=
    edu_args=",pasid-bits=20$edu_args"
    append="console=ttyAMA0"
}

# Nested SMMUv3 translation: smmuv3-pasid plus SMMU_IDR3.FWB (the patched
# QEMU's "fwb" property, qemu/smmuv3-fwb.patch), without which Linux gives
# no vIOMMU (IOMMU_VIOMMU_ALLOC EOPNOTSUPP)
machine_smmuv3-fwb() {
    machine_smmuv3-pasid || return
    qemu_args+=(-global arm-smmuv3.fwb=on)
}
