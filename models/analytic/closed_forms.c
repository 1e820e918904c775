/* closed_forms.c - the known answers of the analytic model (analytic.h),
   derived in docs/KNOWN_ANSWERS.md. */
#include "analytic.h"

#include <math.h>

#include <gsl/gsl_sf_lambert.h>

void analytic_logit_shares(double a, double alpha, const double *p, size_t n,
			   double *share)
{
	double sum = 1; /* the outside good's e^0 */
	for (size_t i = 0; i < n; i++) {
		share[i] = exp(a - alpha * p[i]);
		sum += share[i];
	}
	for (size_t i = 0; i < n; i++)
		share[i] /= sum;
}

/* The first-order condition alpha (p - c)(1 - s) = 1 with u = alpha (p -
   c) - 1 reads u e^u = e^{a - alpha c - 1} / D: the rival only divides the
   argument of W. log1p keeps D exact for a rival priced out of the market. */
double analytic_best_response(double a, double alpha, double c, double rival_price)
{
	double log_d = log1p(exp(a - alpha * rival_price));
	return c + (1 + gsl_sf_lambert_W0(exp(a - alpha * c - 1 - log_d))) / alpha;
}

double analytic_monopoly_optimum(double a, double alpha, double c)
{
	return analytic_best_response(a, alpha, c, INFINITY);
}

/* With u = alpha (p - c) and k = a - alpha c, the symmetric condition is
   u = 1 + 1 / (1 + e^{u - k}): the left side rises and the right falls, and
   they cross once in [1, 2]. No Lambert form exists, so bisect to the last
   bit (the interval stops shrinking after about 53 halvings). */
double analytic_duopoly_nash(double a, double alpha, double c)
{
	double k = a - alpha * c, lo = 1, hi = 2;
	for (int i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);
		if (mid <= lo || mid >= hi)
			break;
		if (mid - 1 - 1 / (1 + exp(mid - k)) < 0)
			lo = mid;
		else
			hi = mid;
	}
	return c + 0.5 * (lo + hi) / alpha;
}

double analytic_ishigami(double x1, double x2, double x3, double A, double B)
{
	double s2 = sin(x2);
	return sin(x1) + A * s2 * s2 + B * pow(x3, 4) * sin(x1);
}

/* Partial variances of the ANOVA decomposition (Saltelli et al. 2008):
   V1 = (1 + B pi^4/5)^2 / 2, V2 = A^2/8, V13 = 8 B^2 pi^8 / 225,
   and no other term; x3 acts only through its interaction with x1. */
void analytic_ishigami_indices(double A, double B, analytic_sobol *out)
{
	double pi4 = pow(M_PI, 4), pi8 = pi4 * pi4;
	double v1 = 0.5 * (1 + B * pi4 / 5) * (1 + B * pi4 / 5);
	double v2 = A * A / 8;
	double v13 = 8 * B * B * pi8 / 225;
	double v = v1 + v2 + v13;
	out->variance = v;
	out->first[0] = v1 / v;
	out->first[1] = v2 / v;
	out->first[2] = 0;
	out->total[0] = (v1 + v13) / v;
	out->total[1] = v2 / v;
	out->total[2] = v13 / v;
}
