// The prefetch helper is header-only (static inline, so calls compile to one instruction);
// SwiftPM needs one source file to build the target.
#include "JourneySimPrefetch.h"
