/* Internal: unconstrained quasi-Newton minimisation (BFGS with a line search
 * satisfying the strong Wolfe conditions). Pure and reentrant; n is small
 * (at most PATRON__OPTIM_MAX_N) so all work arrays live on the stack. */
#ifndef PATRON_INTERNAL_OPTIM_H
#define PATRON_INTERNAL_OPTIM_H

#define PATRON__OPTIM_MAX_N 8

/* Objective: returns f(x) and writes the gradient to `grad`. Return a
 * non-finite value (NaN or +Inf) where f is undefined; the line search then
 * backs off. */
typedef double (*patron__optim_fn)(void *ctx, const double *x, double *grad);

typedef struct patron__optim_opts {
    int max_iter;   /* iterations (default 500 when <= 0) */
    double gtol;    /* stop when max |g_i| <= gtol */
    double xbound;  /* |x_i| must stay below this (boundary detection); 0 = none */
} patron__optim_opts;

typedef enum patron__optim_status {
    PATRON__OPTIM_CONVERGED = 0,     /* max |g| <= gtol */
    PATRON__OPTIM_STALLED = 1,       /* no further decrease possible at machine precision */
    PATRON__OPTIM_MAXITER = 2,       /* iteration limit reached */
    PATRON__OPTIM_NONFINITE = 3,     /* f or gradient not finite at the start */
    PATRON__OPTIM_BOUNDARY = 4       /* a coordinate passed xbound */
} patron__optim_status;

typedef struct patron__optim_result {
    double f;
    double gnorm; /* max |g_i| */
    int iterations;
    int nfev;
    patron__optim_status status;
} patron__optim_result;

/* Minimise fn from x (n <= PATRON__OPTIM_MAX_N); x receives the final point. */
void patron__bfgs(patron__optim_fn fn, void *ctx, int n, double *x,
                  const patron__optim_opts *opts, patron__optim_result *res);

/* patron__bfgs starting from the inverse Hessian estimate hinv0 (n x n,
 * row-major, symmetric positive definite; NULL = the identity, scaled
 * after the first step, as patron__bfgs). With a good estimate (from a fit
 * on a sample of the rows) the first steps are Newton steps. */
void patron__bfgs_from(patron__optim_fn fn, void *ctx, int n, double *x,
                       const patron__optim_opts *opts, const double *hinv0,
                       patron__optim_result *res);

#endif
