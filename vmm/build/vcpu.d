build/vcpu.o: vcpu.c loader.h mem.h vm.h bus.h console.h options.h pic.h \
 pit.h irq.h pm.h rtc.h serial.h
loader.h:
mem.h:
vm.h:
bus.h:
console.h:
options.h:
pic.h:
pit.h:
irq.h:
pm.h:
rtc.h:
serial.h:
