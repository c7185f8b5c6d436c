build/rtc.o: rtc.c rtc.h
rtc.h:
