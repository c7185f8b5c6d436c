build/pit.o: pit.c pit.h irq.h
pit.h:
irq.h:
