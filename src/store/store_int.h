/* store/store_int.h - the store handle, shared by the engine-neutral
 * files of src/store/ (store.c dispatches, copy.c moves tables between
 * engines).  The engines see only store/backend.h. */
#ifndef IMT_STORE_INT_H
#define IMT_STORE_INT_H

#include "store/backend.h"

struct imt_store {
    const imt_store_ops *ops;
    imt_backend *b;
};

#endif
