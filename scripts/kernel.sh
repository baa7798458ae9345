#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Configure (tinyconfig + configs/ fragments, every option checked) and build
# the kernel with LLVM=1 out of tree.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step kernel "$OUT/kernel.log"
: "${FRAGMENTS:?FRAGMENTS must list the config fragments}"
# The configuration the fragments are merged onto (VARIANT=distro:
# defconfig kvm_guest.config).
KCONFIG_BASE=${KCONFIG_BASE:-tinyconfig}
JOBS=${JOBS:-$(nproc)}
# bindgen loads the libclang of the build root's default LLVM (lib.sh).
KMAKE="make -C $WORK O=$BUILD LLVM=1 LIBCLANG_PATH=$(libclang_path) -j$JOBS"
mkdir -p "$BUILD"

frags=
for f in $FRAGMENTS; do
	[ -f "$TOP/configs/$f.config" ] || die "no config fragment configs/$f.config"
	frags="$frags $TOP/configs/$f.config"
done
# shellcheck disable=SC2086
want=$( (echo "$KCONFIG_BASE"; cat $frags) | sha256sum | cut -c1-16)
if [ ! -f "$BUILD/.config" ] || [ "$(cat "$BUILD/.config.frags" 2>/dev/null)" != "$want" ]; then
	echo "    configuring: $KCONFIG_BASE +$(echo " $FRAGMENTS")" | tee -a "$LOG"
	# shellcheck disable=SC2086
	run_logged $KMAKE $KCONFIG_BASE
	# shellcheck disable=SC2086
	run_logged env KCONFIG_CONFIG="$BUILD/.config" \
		"$WORK/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" $frags
	run_logged $KMAKE olddefconfig
	echo "$want" >"$BUILD/.config.frags"
fi

# Every requested option must have survived; a later fragment's value of an
# option replaces an earlier one's, as in merge_config.sh.
bad=0
# shellcheck disable=SC2086
for line in $(cat $frags | sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)/\1/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1=n/p' |
		awk -F= '{ v[$1] = $0; if (!($1 in o)) o[$1] = n++ }
			END { for (k in v) print o[k], v[k] }' | sort -n | cut -d' ' -f2-); do
	case $line in
	*=n)
		if grep -q "^${line%=n}=" "$BUILD/.config"; then
			echo "    option not dropped: $line requested, .config has $(grep "^${line%=n}=" "$BUILD/.config")" | tee -a "$LOG" >&2
			bad=1
		fi ;;
	*)
		# OPTIONAL_OPTIONS: options a partial series does not have yet.
		case " ${OPTIONAL_OPTIONS:-} " in *" ${line%%=*} "*)
			grep -qx -- "$line" "$BUILD/.config" ||
				echo "    option absent (allowed): $line" | tee -a "$LOG"
			continue ;;
		esac
		if ! grep -qx -- "$line" "$BUILD/.config"; then
			have=$(grep -e "^${line%%=*}=" -e "^# ${line%%=*} is not set" "$BUILD/.config" || echo "absent")
			echo "    option dropped: $line requested, .config has: $have" | tee -a "$LOG" >&2
			bad=1
		fi ;;
	esac
done
if [ $bad = 1 ]; then
	rm -f "$BUILD/.config.frags"
	die "Kconfig dropped requested options (missing dependency or toolchain); see above and $BUILD/.config"
fi

echo "    building (LLVM=1, -j$JOBS, O=$BUILD)" | tee -a "$LOG"
run_logged $KMAKE bzImage
run_logged $KMAKE headers
echo "    done: $BUILD/arch/x86/boot/bzImage" | tee -a "$LOG"
