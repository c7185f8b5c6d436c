build/pm.o: pm.c pm.h
pm.h:
