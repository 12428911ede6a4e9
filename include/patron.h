/**
 * @file patron.h
 * @brief Umbrella header: includes every public libpatron module header.
 *
 * Include this, link with `pkg-config --cflags --libs patron`, and see the
 * "Conventions" page for errors, ownership, threads, time and money units.
 */
#ifndef PATRON_H
#define PATRON_H

#include "patron/common.h"
#include "patron/version.h"
#include "patron/simulate.h"
#include "patron/summary.h"
#include "patron/clv.h"
#include "patron/abtest.h"
#include "patron/db.h"
#include "patron/profile.h"
#include "patron/ledger.h"
#include "patron/segment.h"
#include "patron/report.h"
#include "patron/journey.h"
#include "patron/earn.h"
#include "patron/tier.h"
#include "patron/behaviour.h"
#include "patron/mart.h"
#include "patron/events.h"
#include "patron/audit.h"
#include "patron/campaign.h"
#include "patron/reward.h"
#include "patron/coupon.h"
#include "patron/plan.h"
#include "patron/program.h"

#endif /* PATRON_H */
