## Independent R reference for `imtreview stats`, derived from the CSV per
## data-dictionary.md (not from the program's code).
suppressMessages(library(survival))
args <- commandArgs(TRUE)
jobs <- read.table(args[1], sep = "\t", colClasses = "character", quote = "")
LM <- c(12, 36, 60, 120)
pb <- function(x) { x <- tolower(trimws(x)); ifelse(x %in% c("yes","y","true","1"), TRUE,
                     ifelse(x %in% c("no","n","false","0"), FALSE, NA)) }
num <- function(x) { x <- trimws(x); ifelse(x == "", NA, as.numeric(x)) }
fmt <- function(v) if (length(v) == 0 || is.na(v) || !is.finite(v)) "null" else sprintf("%.17g", v)
alk_status <- function(d) {
  ihc <- tolower(d$alk_ihc); fish <- tolower(d$alk_fish); fus <- toupper(trimws(d$fusion))
  fal <- fus != "" & fus != "NONE" & vapply(strsplit(fus, "::"), function(g) "ALK" %in% g, logical(1))
  fnon <- fus != "" & !fal
  mpos <- fish == "positive" | fal; mneg <- fish == "negative" | fnon
  ifelse(mpos | (ihc == "positive" & !mneg), "positive",
         ifelse(mneg | ihc == "negative", "negative", "unknown"))
}
group_of <- function(d, by) {
  v <- switch(by,
    alk_status = alk_status(d),
    site = tolower(d$site),
    sex = toupper(d$sex),
    surgery = { s <- tolower(d$surgery); ifelse(s %in% c("r0","r1","r2"), toupper(s), s) },
    steroids = { b <- pb(d$steroids); ifelse(is.na(b), "", ifelse(b, "yes", "no")) },
    metastatic = { b <- pb(d$metastatic); ifelse(is.na(b), "", ifelse(b, "yes", "no")) },
    outcome = toupper(d$outcome),
    margin = { s <- tolower(d$surgery); ifelse(s == "r0", "R0", ifelse(s %in% c("r1","r2"), "R1/R2",
                 ifelse(s %in% c("biopsy","none"), "biopsy/none", ""))) },
    age_group = { a <- num(d$age_years); ifelse(is.na(a), "", ifelse(a < 18, "<18", ">=18")) })
  v[is.na(v) | v == ""] <- NA
  v
}
endpoint <- function(d, ep) {
  fu <- num(d$followup_months); out <- toupper(trimws(d$outcome))
  dead <- out %in% c("DOD", "DOC")
  time <- fu; status <- if (ep == "dss") as.integer(out == "DOD") else as.integer(dead)
  excl <- is.na(fu)
  if (ep == "rfs") {
    rec <- pb(d$recurrence); rm <- num(d$recurrence_months)
    r <- !is.na(rec) & rec
    excl <- excl | (r & is.na(rm))
    time <- ifelse(r, pmin(rm, fu), fu)
    status <- ifelse(r, 1L, as.integer(dead))
  }
  list(time = time, status = status, excl = excl)
}
kmblock <- function(t, s, pre, con, full = TRUE) {
  if (length(t) == 0) {
    if (full) cat(pre, "km.len 0\n", sep = "", file = con)
    for (i in seq_along(LM)) for (k in c("survival","lower","upper")) cat(pre, "at.", i, ".", k, " null\n", sep = "", file = con)
    cat(pre, "median_months null\n", sep = "", file = con); return(invisible())
  }
  f <- survfit(Surv(t, s) ~ 1, conf.type = "log")
  if (full) {
    sm <- summary(f, censored = TRUE)
    cat(pre, "km.len ", length(sm$time), "\n", sep = "", file = con)
    for (i in seq_along(sm$time)) {
      v <- c(time = sm$time[i], n_risk = sm$n.risk[i], n_event = sm$n.event[i], n_censor = sm$n.censor[i],
             survival = sm$surv[i], se = sm$std.err[i], lower = sm$lower[i], upper = sm$upper[i])
      for (k in names(v)) cat(pre, "km.", i, ".", k, " ", fmt(v[[k]]), "\n", sep = "", file = con)
    }
  }
  for (i in seq_along(LM)) {
    if (LM[i] > max(t)) { sv <- lo <- up <- NA } else {
      sa <- summary(f, times = LM[i], extend = FALSE); sv <- sa$surv; lo <- sa$lower; up <- sa$upper }
    cat(pre, "at.", i, ".survival ", fmt(sv), "\n", pre, "at.", i, ".lower ", fmt(lo), "\n",
        pre, "at.", i, ".upper ", fmt(up), "\n", sep = "", file = con)
  }
  cat(pre, "median_months ", fmt(unname(quantile(f, 0.5)$quantile)), "\n", sep = "", file = con)
}
for (j in seq_len(nrow(jobs))) {
  path <- jobs[j, 1]; ep <- jobs[j, 2]; by <- jobs[j, 3]; con <- file(jobs[j, 4], "w")
  d <- read.csv(path, colClasses = "character", na.strings = character(0), check.names = FALSE)
  e <- endpoint(d, ep)
  cat("n ", nrow(d), "\nn_used ", sum(!e$excl), "\nn_excluded ", sum(e$excl), "\n", sep = "", file = con)
  u <- !e$excl; t <- e$time[u]; s <- e$status[u]
  cat("events ", sum(s), "\n", sep = "", file = con)
  kmblock(t, s, "", con)
  if (by != "none") {
    g <- group_of(d, by)[u]
    tested <- if (by == "alk_status") rep(TRUE, length(g)) else !is.na(g)
    g[is.na(g)] <- "unknown"
    names_g <- unique(g)
    cat("groups ", paste(sort(names_g), collapse = ","), "\n", sep = "", file = con)
    tg <- sort(unique(g[tested]))
    sd <- NULL
    if (length(tg) >= 2) {
      sd <- tryCatch(survdiff(Surv(t[tested], s[tested]) ~ factor(g[tested], levels = tg)), error = function(e) NULL)
      df <- if (is.null(sd)) -99 else sum(sd$exp > 0) - 1
      if (is.null(sd)) cat("logrank null_R_error\n", file = con)
      else if (df >= 1) cat("logrank.chisq ", fmt(sd$chisq), "\nlogrank.df ", df, "\nlogrank.p ",
                       fmt(pchisq(sd$chisq, df, lower.tail = FALSE)), "\n", sep = "", file = con)
      else cat("logrank null_R_df", df, "\n", sep = "", file = con)
    } else cat("logrank null\n", file = con)
    if (length(tg) == 2) {
      tab <- t(sapply(tg, function(x) { ev <- sum(s[tested & g == x]); c(ev, sum(tested & g == x) - ev) }))
      cat("fisher.row.", tg[1], " ", tab[1, 1], ",", tab[1, 2], "\nfisher.row.", tg[2], " ", tab[2, 1], ",", tab[2, 2], "\nfisher.p ",
          fmt(fisher.test(tab)$p.value), "\n", sep = "", file = con)
    } else cat("fisher null\n", file = con)
    for (x in names_g) {
      pre <- paste0("groups.", x, ".")
      w <- g == x
      cat(pre, "n ", sum(w), "\n", pre, "events ", sum(s[w]), "\n", sep = "", file = con)
      if (!is.null(sd) && x %in% tg) {
        k <- match(x, tg)
        cat(pre, "observed ", fmt(sd$obs[k]), "\n", pre, "expected ", fmt(sd$exp[k]), "\n", sep = "", file = con)
      } else if (x %in% tg) {
        cat(pre, "observed ", sum(s[w]), "\n", pre, "expected ", sum(s[w]), "\n", sep = "", file = con)
      } else cat(pre, "observed ", sum(s[w]), "\n", pre, "expected null\n", sep = "", file = con)
      kmblock(t[w], s[w], pre, con, full = FALSE)
    }
  }
  close(con)
}
