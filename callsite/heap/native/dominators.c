/* Immediate dominators of an object graph: Lengauer & Tarjan (1979), the
 * simple version (path compression, no balancing), O(E log V).
 *
 * The graph is CSR over node ids 0..n-1 (indptr int64[n+1], indices int64)
 * plus a virtual super-root n whose successors are roots[0..nroots).  The
 * result idom[0..n] is in node ids: idom[v] = immediate dominator of v,
 * -1 when v is not reachable from the super-root, idom[n] = n.
 *
 * Everything is iterative (DFS with an explicit edge cursor, path compression
 * with an explicit path) so a ten-million-link chain cannot overflow the C
 * stack.  Work arrays use 32-bit DFS numbers, which halves the memory of a
 * 10M-object heap; dlr_idom refuses graphs with 2^31 or more nodes.
 *
 * The DFS also yields its preorder: dlr_idom writes it to `order` (node ids,
 * super-root first, reachable nodes only) because a node's immediate dominator
 * is its proper ancestor in the DFS tree, so walking that order backwards
 * visits every dominator-tree child before its parent — retained sizes in
 * one pass (dlr_retained).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t dfn_t;   /* DFS number, 1-based; 0 = not visited / none */

/* succ(v): the super-root's successors are the roots */
#define SUCC_BEGIN(v) ((v) == n ? 0 : indptr[(v)])
#define SUCC_END(v)   ((v) == n ? nroots : indptr[(v) + 1])
#define SUCC(v, k)    ((v) == n ? roots[(k)] : indices[(k)])

static dfn_t eval_compress(dfn_t v, dfn_t *ancestor, dfn_t *label, const dfn_t *semi, dfn_t *path)
{
    if (ancestor[v] == 0)
        return v;
    int64_t len = 0;
    dfn_t x = v;
    while (ancestor[ancestor[x]] != 0) {
        path[len++] = x;
        x = ancestor[x];
    }
    /* from the top of the path down: each node takes the better label of its ancestor */
    while (len > 0) {
        dfn_t y = path[--len];
        dfn_t a = ancestor[y];
        if (semi[label[a]] < semi[label[y]])
            label[y] = label[a];
        ancestor[y] = ancestor[a];
    }
    return label[v];
}

/* Returns the number of reachable nodes (super-root included), -1 on a bad
 * argument (too many nodes, an edge to a node out of range), -2 when out of memory. */
int64_t dlr_idom(int64_t n, const int64_t *indptr, const int64_t *indices,
                 const int64_t *roots, int64_t nroots, int64_t *idom_out, int64_t *order)
{
    int64_t nn = n + 1;
    if (n < 0 || nn >= INT32_MAX)
        return -1;
    int64_t nedges = indptr[n];
    for (int64_t k = 0; k < nedges; k++)
        if (indices[k] < 0 || indices[k] >= n)
            return -1;
    for (int64_t k = 0; k < nroots; k++)
        if (roots[k] < 0 || roots[k] >= n)
            return -1;

    dfn_t *dfn = calloc((size_t)nn, sizeof(dfn_t));        /* node -> DFS number */
    int64_t *vertex = malloc((size_t)(nn + 1) * sizeof(int64_t)); /* DFS number -> node */
    dfn_t *parent = malloc((size_t)(nn + 1) * sizeof(dfn_t));
    int64_t *cursor = malloc((size_t)(nn + 1) * sizeof(int64_t)); /* DFS stack: next edge */
    int64_t *stack = malloc((size_t)(nn + 1) * sizeof(int64_t));
    if (!dfn || !vertex || !parent || !cursor || !stack) {
        free(dfn); free(vertex); free(parent); free(cursor); free(stack);
        return -2;
    }

    /* DFS preorder from the super-root */
    dfn_t count = 0;
    int64_t top = 0;
    dfn[n] = ++count;
    vertex[count] = n;
    parent[count] = 0;
    stack[0] = n;
    cursor[0] = SUCC_BEGIN(n);
    while (top >= 0) {
        int64_t v = stack[top];
        int64_t end = SUCC_END(v);
        int64_t k = cursor[top];
        while (k < end && dfn[SUCC(v, k)] != 0)
            k++;
        if (k == end) {
            top--;
            continue;
        }
        int64_t w = SUCC(v, k);
        cursor[top] = k + 1;
        dfn[w] = ++count;
        vertex[count] = w;
        parent[count] = dfn[v];
        top++;
        stack[top] = w;
        cursor[top] = SUCC_BEGIN(w);
    }
    free(cursor);
    free(stack);

    /* predecessors of the reachable nodes, as DFS numbers, CSR by DFS number */
    int64_t *pptr = calloc((size_t)count + 2, sizeof(int64_t));
    if (!pptr) {
        free(dfn); free(vertex); free(parent);
        return -2;
    }
    for (int64_t v = 0; v < nn; v++) {
        if (dfn[v] == 0)
            continue;
        for (int64_t k = SUCC_BEGIN(v); k < SUCC_END(v); k++)
            pptr[dfn[SUCC(v, k)] + 1]++;
    }
    for (dfn_t i = 1; i <= count; i++)
        pptr[i + 1] += pptr[i];
    dfn_t *pred = malloc((size_t)(pptr[count + 1] ? pptr[count + 1] : 1) * sizeof(dfn_t));
    int64_t *fill = malloc((size_t)(count + 2) * sizeof(int64_t));
    if (!pred || !fill) {
        free(dfn); free(vertex); free(parent); free(pptr); free(pred); free(fill);
        return -2;
    }
    memcpy(fill, pptr, (size_t)(count + 2) * sizeof(int64_t));
    for (int64_t v = 0; v < nn; v++) {
        if (dfn[v] == 0)
            continue;
        for (int64_t k = SUCC_BEGIN(v); k < SUCC_END(v); k++)
            pred[fill[dfn[SUCC(v, k)]]++] = dfn[v];
    }
    free(fill);
    free(dfn);

    size_t cells = (size_t)count + 1;
    dfn_t *semi = malloc(cells * sizeof(dfn_t));
    dfn_t *label = malloc(cells * sizeof(dfn_t));
    dfn_t *ancestor = calloc(cells, sizeof(dfn_t));
    dfn_t *idom = malloc(cells * sizeof(dfn_t));
    dfn_t *bhead = calloc(cells, sizeof(dfn_t));   /* bucket lists: head per semi-dominator */
    dfn_t *bnext = malloc(cells * sizeof(dfn_t));
    dfn_t *path = malloc(cells * sizeof(dfn_t));
    if (!semi || !label || !ancestor || !idom || !bhead || !bnext || !path) {
        free(vertex); free(parent); free(pptr); free(pred);
        free(semi); free(label); free(ancestor); free(idom); free(bhead); free(bnext); free(path);
        return -2;
    }
    for (dfn_t i = 0; i <= count; i++) {
        semi[i] = i;
        label[i] = i;
    }
    idom[1] = 1;
    for (dfn_t w = count; w >= 2; w--) {
        dfn_t sw = semi[w];
        for (int64_t k = pptr[w]; k < pptr[w + 1]; k++) {
            dfn_t v = pred[k];
            dfn_t u = v < w ? v : eval_compress(v, ancestor, label, semi, path);
            if (semi[u] < sw)
                sw = semi[u];
        }
        semi[w] = sw;
        dfn_t p = parent[w];
        ancestor[w] = p;                  /* link(parent(w), w) */
        if (sw == p) {
            idom[w] = p;                  /* what the bucket step would find */
        } else {
            bnext[w] = bhead[sw];
            bhead[sw] = w;
        }
        for (dfn_t v = bhead[p]; v != 0; v = bnext[v]) {
            dfn_t u = eval_compress(v, ancestor, label, semi, path);
            idom[v] = semi[u] < semi[v] ? u : p;
        }
        bhead[p] = 0;
    }
    for (dfn_t w = 2; w <= count; w++)
        if (idom[w] != semi[w])
            idom[w] = idom[idom[w]];

    for (int64_t v = 0; v < nn; v++)
        idom_out[v] = -1;
    for (dfn_t w = 1; w <= count; w++) {
        idom_out[vertex[w]] = vertex[idom[w]];
        if (order)
            order[w - 1] = vertex[w];
    }
    free(vertex); free(parent); free(pptr); free(pred);
    free(semi); free(label); free(ancestor); free(idom); free(bhead); free(bnext); free(path);
    return count;
}

/* retained[v] += retained[child] for every child, children first: `order` is a
 * preorder in which each node's idom comes before it (dlr_idom's order). */
void dlr_retained(int64_t count, const int64_t *order, const int64_t *idom, int64_t *retained)
{
    for (int64_t i = count - 1; i >= 1; i--) {
        int64_t v = order[i];
        retained[idom[v]] += retained[v];
    }
}
