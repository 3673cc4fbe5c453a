/* comshim: a minimal native COM object (IUnknown only) for dlrsim.
 *
 * Mono turns a pointer to one of these into a real System.__ComObject RCW
 * (Marshal.GetObjectForIUnknown).  QueryInterface answers only IID_IUnknown,
 * so the runtime cannot take references through interfaces we do not
 * implement; AddRef/Release are counted so a test can check that every
 * object created has been freed once all references are released.
 * All counters are updated atomically: Release may run on a finalizer thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t HRESULT;
typedef struct { uint32_t d1; uint16_t d2, d3; uint8_t d4[8]; } GUID;

#define S_OK 0
#define E_NOINTERFACE ((HRESULT)0x80004002)
#define E_POINTER ((HRESULT)0x80004003)

static const GUID IID_IUnknown = {0x00000000, 0x0000, 0x0000,
                                  {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

typedef struct ComObj ComObj;
typedef struct {
    HRESULT (*QueryInterface)(ComObj *self, const GUID *iid, void **out);
    uint32_t (*AddRef)(ComObj *self);
    uint32_t (*Release)(ComObj *self);
} IUnknownVtbl;

struct ComObj {
    const IUnknownVtbl *vtbl;
    int64_t refs;
    int64_t serial;
};

static int64_t g_created, g_freed, g_live, g_addrefs, g_releases, g_qi_ok, g_qi_no;

static HRESULT qi(ComObj *self, const GUID *iid, void **out) {
    if (!out) return E_POINTER;
    if (iid && memcmp(iid, &IID_IUnknown, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&self->refs, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&g_addrefs, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&g_qi_ok, 1, __ATOMIC_SEQ_CST);
        *out = self;
        return S_OK;
    }
    __atomic_add_fetch(&g_qi_no, 1, __ATOMIC_SEQ_CST);
    *out = NULL;
    return E_NOINTERFACE;
}

static uint32_t addref(ComObj *self) {
    __atomic_add_fetch(&g_addrefs, 1, __ATOMIC_SEQ_CST);
    return (uint32_t)__atomic_add_fetch(&self->refs, 1, __ATOMIC_SEQ_CST);
}

static uint32_t release(ComObj *self) {
    __atomic_add_fetch(&g_releases, 1, __ATOMIC_SEQ_CST);
    int64_t left = __atomic_sub_fetch(&self->refs, 1, __ATOMIC_SEQ_CST);
    if (left == 0) {
        __atomic_add_fetch(&g_freed, 1, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&g_live, 1, __ATOMIC_SEQ_CST);
        self->vtbl = NULL;
        free(self);
    }
    return (uint32_t)(left < 0 ? 0 : left);
}

static const IUnknownVtbl vtbl = {qi, addref, release};

/* A new object holding one reference, owned by the caller. */
void *comshim_new(void) {
    ComObj *o = (ComObj *)calloc(1, sizeof(ComObj));
    if (!o) return NULL;
    o->vtbl = &vtbl;
    o->refs = 1;
    o->serial = __atomic_add_fetch(&g_created, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&g_live, 1, __ATOMIC_SEQ_CST);
    return o;
}

/* Drop one reference held by the caller (same as IUnknown::Release). */
uint32_t comshim_release(void *p) { return release((ComObj *)p); }

int64_t comshim_live(void) { return __atomic_load_n(&g_live, __ATOMIC_SEQ_CST); }
int64_t comshim_created(void) { return __atomic_load_n(&g_created, __ATOMIC_SEQ_CST); }
int64_t comshim_freed(void) { return __atomic_load_n(&g_freed, __ATOMIC_SEQ_CST); }
int64_t comshim_addrefs(void) { return __atomic_load_n(&g_addrefs, __ATOMIC_SEQ_CST); }
int64_t comshim_releases(void) { return __atomic_load_n(&g_releases, __ATOMIC_SEQ_CST); }
int64_t comshim_qi_ok(void) { return __atomic_load_n(&g_qi_ok, __ATOMIC_SEQ_CST); }
int64_t comshim_qi_refused(void) { return __atomic_load_n(&g_qi_no, __ATOMIC_SEQ_CST); }
