/* What bindgen reads: the Wireshark API the plugin uses (4.0 to 4.6). */
#include <ws_version.h>
/* From 4.2 on frame_data.h no longer pulls in wtap.h: without it bindgen
 * meets an incomplete union wtap_pseudo_header inside packet_info. */
#include <wiretap/wtap.h>
#if WIRESHARK_VERSION_MAJOR > 4 || WIRESHARK_VERSION_MINOR >= 2
/* plugin_describe() and its WS_PLUGIN_DESC_* flags (4.2 on). */
#include <wsutil/plugins.h>
#endif
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/prefs.h>
#include <epan/expert.h>
#include <epan/column-utils.h>
#include "shim.h"
