# km.R - R's compute time for the statistics `imtreview stats --by
# alk_status --json` computes: Kaplan-Meier overall and by group (survfit,
# summary with censored = TRUE, survival at 12/36/60/120 months, median)
# and the log-rank test (survdiff).  Reading the data is not timed.
# usage: Rscript km.R FILE.csv   (columns time,status,group)
# prints: "compute_s <seconds>" and "chisq <log-rank chi-square>"
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("numeric", "numeric", "character"))
t0 <- proc.time()[["elapsed"]]
all <- survfit(Surv(time, status) ~ 1, data = d)
s_all <- summary(all, censored = TRUE)
a_all <- summary(all, times = c(12, 36, 60, 120), extend = FALSE)
m_all <- quantile(all, 0.5, conf.int = FALSE)
fit <- survfit(Surv(time, status) ~ group, data = d)
s_g <- summary(fit, censored = TRUE)
a_g <- summary(fit, times = c(12, 36, 60, 120), extend = FALSE)
m_g <- quantile(fit, 0.5, conf.int = FALSE)
sd <- survdiff(Surv(time, status) ~ group, data = d)
t1 <- proc.time()[["elapsed"]]
cat(sprintf("compute_s %.3f\nchisq %.17g\n", t1 - t0, sd$chisq))
