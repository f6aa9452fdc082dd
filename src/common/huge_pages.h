// Transparent huge pages for large, randomly accessed buffers.
//
// A hash index or a record array of tens of MB touched at random costs a TLB
// miss (a page walk) per access and a page fault per 4 KiB of fresh memory.
// Where the kernel gives transparent huge pages only on request ("madvise"
// mode, a common default), asking for them on such a buffer before it is
// first written turns both into one per 2 MiB.
#pragma once

#include <cstddef>

namespace freshet {

// Asks the kernel to back the whole 2 MiB pages inside [data, data + bytes)
// with huge pages from their next fault on. Only a hint: does nothing for a
// range holding no whole 2 MiB page, or where the kernel does not support or
// allow it. The memory stays owned and freed as before.
void AdviseHugePages(const void* data, size_t bytes);

}  // namespace freshet
