#!/bin/sh
# Runs a firmware image on QEMU with semihosting: ../run-qemu.sh ELF
# The board comes from the image's crate: `p1-inference` needs mps2-an386 (4 MiB), the
# others fit the lm3s6965evb (256 KiB flash, 64 KiB RAM).
set -eu
elf="$1"
case "$(basename "$elf")" in
  p1-inference*|digits*) machine=mps2-an386 ;;
  *) machine=lm3s6965evb ;;
esac
exec timeout 900 qemu-system-arm -cpu cortex-m4 -machine "$machine" -icount shift=0 -nographic \
  -monitor none -serial none -semihosting-config enable=on,target=native -kernel "$elf"
