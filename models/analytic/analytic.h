/*
 * analytic.h - a tiny model whose answers are known in closed form, to test
 * the analysis commands (optimize, calibrate, sensitivity, equilibrium)
 * against them. docs/KNOWN_ANSWERS.md derives every formula used here.
 *
 * `function` picks one of three problems:
 *
 *   logit_monopoly, logit_duopoly  Customers arrive over `horizon_days` as
 *       a Poisson process (`customers` of them on average), from the
 *       replication's stream 0. Customer k carries a market-size weight w_k
 *       (lognormal, mean 1, sd `weight_sd`) and buys from firm i with the
 *       logit probability
 *           P_i(p) = e^{a - alpha p_i} / (1 + sum_j e^{a - alpha p_j})
 *       (a = `quality`, alpha = `alpha`; the 1 is the outside good). Each
 *       customer contributes its expected demand w_k P_i, so revenue_i =
 *       (sum_k w_k) p_i P_i(p) and profit_i = (sum_k w_k)(p_i - c) P_i(p).
 *       The draws do not depend on the prices, so under common random
 *       numbers every replication's metrics are smooth in the prices and
 *       share their argmax and Nash point with the closed forms below: the
 *       weights scale demand, they never move an optimum.
 *
 *   ishigami  One event computes Y = sin x1 + A sin^2 x2 + B x3^4 sin x1
 *       (Ishigami & Homma 1990); deterministic, every replication equal.
 *
 * Summary rows (summary.csv, metric:subject, column "value"):
 *   logit:    revenue, profit, share for firm_a (and firm_b in the
 *             duopoly), then customers:all (arrivals) and
 *             market_size:all (sum of their weights);
 *   ishigami: y:ishigami.
 */
#ifndef ANALYTIC_H
#define ANALYTIC_H

#include <stddef.h>

#include "sim_model.h"

typedef enum analytic_function {
	ANALYTIC_LOGIT_MONOPOLY,
	ANALYTIC_LOGIT_DUOPOLY,
	ANALYTIC_ISHIGAMI,
} analytic_function;

typedef struct analytic_params {
	int function;        /* an analytic_function */
	double price_a, price_b;
	double quality;      /* a: every firm's mean utility at price 0 */
	double alpha;        /* price sensitivity, > 0 */
	double cost;         /* c: marginal cost, both firms */
	double customers;    /* mean arrivals over the horizon */
	double weight_sd;    /* sd of a customer's market-size weight (mean 1) */
	double horizon_days;
	double x1, x2, x3;   /* Ishigami inputs, each in [-pi, pi] */
	double ishigami_a, ishigami_b;
} analytic_params;

extern const sim_model_type analytic_model;

/* ---- closed forms (closed_forms.c) ------------------------------------ */

/* Logit shares of n firms at prices p[0..n-1] beside the outside good,
   all with quality a and price sensitivity alpha, into share[0..n-1]. */
void analytic_logit_shares(double a, double alpha, const double *p, size_t n,
			   double *share);

/* The profit-maximising price of a firm with cost c whose rival charges
   rival_price (INFINITY: no rival, the monopoly):
   c + (1 + W(e^{a - alpha c - 1} / D)) / alpha, D = 1 + e^{a - alpha rival}. */
double analytic_best_response(double a, double alpha, double c, double rival_price);

/* The monopoly optimum, c + (1 + W(e^{a - alpha c - 1})) / alpha. */
double analytic_monopoly_optimum(double a, double alpha, double c);

/* The symmetric Bertrand-Nash price of the duopoly: the p solving
   p = c + 1 / (alpha (1 - s(p))), s(p) = e^{a-alpha p} / (1 + 2 e^{a-alpha p}). */
double analytic_duopoly_nash(double a, double alpha, double c);

/* Y = sin x1 + A sin^2 x2 + B x3^4 sin x1. */
double analytic_ishigami(double x1, double x2, double x3, double A, double B);

/* The Ishigami function's variance and Sobol' indices for x_i uniform on
   [-pi, pi]: first-order S[i] and total ST[i], i = 0, 1, 2 for x1..x3. */
typedef struct analytic_sobol {
	double variance;
	double first[3];
	double total[3];
} analytic_sobol;
void analytic_ishigami_indices(double A, double B, analytic_sobol *out);

#endif
