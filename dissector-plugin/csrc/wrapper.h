/* What bindgen reads: the Wireshark 4.0 API the plugin uses. */
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/prefs.h>
#include <epan/expert.h>
#include <epan/column-utils.h>
#include "shim.h"
