/*
 * backfill: referrals stored by a mashd older than `mashctl list` join
 * its indexes (backfill.lua), in batches, once per Redis: started each
 * time Redis answers, it stops for good once index:built is set.
 */
#ifndef MASHD_BACKFILL_H
#define MASHD_BACKFILL_H

#include "mashd.h"

void backfill_kick(struct mashd *d);

#endif
