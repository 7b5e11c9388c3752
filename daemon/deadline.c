/* STUB: being written; replaced by the real module. */
#include "mash/deadline.h"
