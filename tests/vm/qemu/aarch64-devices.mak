# Devices of the aarch64 build (build-qemu aarch64 configures with
# --without-default-devices): the virt board (it selects its SMMUv3, GIC,
# PL011 and PCIe host), edu, and PCIe root ports. Every other Arm board and
# device stays out, which saves about a quarter of the build.
CONFIG_ARM_VIRT=y
CONFIG_EDU=y
CONFIG_PCIE_PORT=y
