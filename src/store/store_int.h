/* store/store_int.h - the store handle, shared by the engine-neutral
 * files of src/store/ (store.c dispatches, copy.c moves tables between
 * engines).  The engines see only store/backend.h. */
#ifndef IMT_STORE_INT_H
#define IMT_STORE_INT_H

#include "backend.h"

struct imt_store {
    const imt_store_ops *ops;
    imt_backend *b;
    bool own;         /* err holds this layer's refusal, not the engine's
                         (one-shot: the next call or errmsg clears it) */
    char err[256];
};

#endif
